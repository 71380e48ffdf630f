package dev.portcullis.registry.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A folder laid out as the kubelet mounts a Secret: each key is a symlink {@code KEY -> ..data/KEY}, {@code ..data} a
 * symlink to a timestamped folder. An update writes a new folder and renames one symlink over {@code ..data}, so a
 * reader sees either all old or all new files, and no watched file is ever modified in place.
 */
public final class SecretVolume {
    private final Path dir;
    private final AtomicInteger version = new AtomicInteger();

    public SecretVolume(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path file(String key) {
        return dir.resolve(key);
    }

    /** Replaces the whole Secret's data with {@code files} (key to content), as one atomic swap. */
    public void write(Map<String, byte[]> files) throws IOException {
        Path versionDir = Files.createDirectories(dir.resolve("..2026_12_06_00_00_00." + version.incrementAndGet()));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(versionDir.resolve(f.getKey()), f.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, versionDir.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String key : files.keySet()) {
            if (!Files.isSymbolicLink(dir.resolve(key))) {
                Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
            }
        }
    }
}
