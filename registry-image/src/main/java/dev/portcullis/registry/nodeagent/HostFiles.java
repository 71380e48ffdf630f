package dev.portcullis.registry.nodeagent;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.nio.file.LinkOption;
import java.util.stream.Stream;

/**
 * Host files the node's own daemons read while the agent writes them (containerd on every pull, the kubelet on every
 * credential-provider run): each is written to a temporary file beside it and renamed into place, so a reader sees
 * the old file or the new one, never half of one; and only when the content differs, so a pass that changes nothing
 * touches nothing.
 */
final class HostFiles {
    private HostFiles() {}

    /** Writes {@code content} with {@code mode} (e.g. {@code rw-------}) when it differs; true if it did. */
    static boolean write(Path file, byte[] content, String mode) throws IOException {
        if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), content)
                && hasMode(file, mode)) {
            return false;
        }
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, content);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException notPosix) {
            // Nothing finer to set.
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return true;
    }

    private static boolean hasMode(Path file, String mode) throws IOException {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file)).equals(mode);
        } catch (UnsupportedOperationException notPosix) {
            return true;
        }
    }

    /** Removes a folder and everything in it; nothing when it is not there. Links are removed, never followed. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
