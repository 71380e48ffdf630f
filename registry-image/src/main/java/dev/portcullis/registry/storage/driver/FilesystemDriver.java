package dev.portcullis.registry.storage.driver;

import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The {@code filesystem} driver: a path is a file under {@code rootdirectory}, as in Distribution's driver, so a
 * volume written by either is served by the other.
 *
 * <p>Crash safety: new content is written to a hidden sibling ({@code .NAME.UUID}, never listed or walked) and renamed
 * over its target, so a kill at any moment leaves the old file or the new one; a writer's commit fsyncs first, so
 * committed content also survives a machine crash. Appends go to the file in place and a failed chunk is truncated
 * away, as the upload's offset is the file's size.
 */
public final class FilesystemDriver implements StorageDriver {
    private final Path root;

    public FilesystemDriver(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
    }

    @Override
    public String name() {
        return "filesystem";
    }

    /** The directory {@code /} maps to, for what keeps its own files beside the registry's (the notification outbox). */
    public Path root() {
        return root;
    }

    private Path file(String path) {
        DriverPaths.check(path);
        return path.equals("/") ? root : root.resolve(path.substring(1));
    }

    private String pathOf(Path file) {
        return "/" + root.relativize(file).toString().replace('\\', '/');
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    /**
     * Creates the parent directories of {@code target}, but not the root: a root that vanished (an unmounted volume)
     * must fail writes rather than fill the container's own disk.
     */
    private void createParent(Path target) throws IOException {
        Path parent = target.getParent();
        if (Files.isDirectory(parent)) {
            return;
        }
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "storage root directory is missing");
        }
        Files.createDirectories(parent);
    }

    private static Path tempSibling(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID());
    }

    private static void replace(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        return Files.readAllBytes(file(path));
    }

    @Override
    public void putContent(String path, byte[] content) throws IOException {
        Path target = file(path);
        createParent(target);
        Path tmp = tempSibling(target);
        try {
            Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            replace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        FileChannel ch = FileChannel.open(file(path), StandardOpenOption.READ);
        ch.position(offset);
        return Channels.newInputStream(ch);
    }

    @Override
    public FileWriter writer(String path, boolean append) throws IOException {
        Path target = file(path);
        if (append) {
            return new AppendingWriter(FileChannel.open(target, StandardOpenOption.WRITE));
        }
        createParent(target);
        Path tmp = tempSibling(target);
        return new NewFileWriter(tmp, target, FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file(path), BasicFileAttributes.class);
        if (attrs.isDirectory()) {
            return FileInfo.directory(path);
        }
        return FileInfo.file(path, attrs.size(), attrs.lastModifiedTime().toInstant());
    }

    @Override
    public List<String> list(String path) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(file(path))) {
            for (Path child : children) {
                if (!hidden(child)) {
                    out.add(DriverPaths.join(path, child.getFileName().toString()));
                }
            }
        } catch (NoSuchFileException | NotDirectoryException absent) {
            return List.of();
        }
        Collections.sort(out);
        return out;
    }

    @Override
    public void move(String source, String destination) throws IOException {
        Path from = file(source);
        Path to = file(destination);
        if (!Files.exists(from)) {
            throw new NoSuchFileException(source);
        }
        createParent(to);
        replace(from, to);
    }

    @Override
    public void delete(String path) throws IOException {
        Path target = file(path);
        try (Stream<Path> walk = Files.walk(target)) {
            for (Path p : walk.sorted(Collections.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException gone) {
            // Absent, or removed by someone else first: the outcome is the same.
        }
    }

    @Override
    public void walk(String path, FileVisitor visitor) throws IOException {
        Path start = file(path);
        if (!Files.isDirectory(start)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(start)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (hidden(p)) {
                    continue;
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (attrs.isRegularFile()) {
                    visitor.visit(FileInfo.file(pathOf(p), attrs.size(), attrs.lastModifiedTime().toInstant()));
                }
            }
        } catch (NoSuchFileException | java.io.UncheckedIOException removedWhileWalking) {
            // A directory removed during the walk holds nothing to report.
        }
    }

    @Override
    public boolean touch(String path) throws IOException {
        try {
            Files.setLastModifiedTime(file(path), FileTime.from(Instant.now()));
            return true;
        } catch (NoSuchFileException absent) {
            return false;
        }
    }

    @Override
    public Optional<StorageLock> tryLock(String path, Duration ttl) throws IOException {
        Path lockFile = file(path);
        createParent(lockFile);
        return FileLockFile.tryAcquire(lockFile, new LockBreaking(lockFile.resolveSibling(".breaking")), ttl);
    }

    @Override
    public Optional<Path> localFile(String path) {
        Path p = file(path);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Writes through a file channel, counting the file's size. */
    private abstract static class ChannelWriter implements FileWriter {
        final FileChannel channel;
        private long size;
        boolean done;

        ChannelWriter(FileChannel channel, long size) {
            this.channel = channel;
            this.size = size;
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(buffer, offset, length);
            while (bb.hasRemaining()) {
                channel.write(bb);
            }
            size += length;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                cancel();
            }
        }
    }

    /** Appends in place; a cancelled chunk is truncated away. */
    private static final class AppendingWriter extends ChannelWriter {
        private final long start;

        AppendingWriter(FileChannel channel) throws IOException {
            super(channel, channel.size());
            this.start = channel.size();
            channel.position(start);
        }

        @Override
        public void commit() throws IOException {
            try {
                channel.force(true);
                done = true;
            } finally {
                if (!done) {
                    cancel();
                }
                channel.close();
            }
        }

        @Override
        public void cancel() throws IOException {
            done = true;
            try {
                channel.truncate(start);
            } finally {
                channel.close();
            }
        }
    }

    /** Writes a hidden sibling, renamed over the target at commit. */
    private static final class NewFileWriter extends ChannelWriter {
        private final Path temp;
        private final Path target;

        NewFileWriter(Path temp, Path target, FileChannel channel) {
            super(channel, 0);
            this.temp = temp;
            this.target = target;
        }

        @Override
        public void commit() throws IOException {
            try {
                channel.force(true);
                channel.close();
                replace(temp, target);
                done = true;
            } finally {
                if (!done) {
                    cancel();
                }
            }
        }

        @Override
        public void cancel() throws IOException {
            done = true;
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }
}
