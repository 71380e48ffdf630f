package dev.portcullis.registry.storage.driver;

import dev.portcullis.registry.storage.StorageLock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The {@code inmemory} driver (Distribution's key): files in a sorted map, gone when the process ends. For tests and
 * trials; every "replica" of it is the one instance in this process.
 */
public final class InMemoryDriver implements StorageDriver {
    private record Entry(byte[] content, Instant modified) {}

    private record Lease(String owner, Instant expires) {}

    private final ConcurrentSkipListMap<String, Entry> files = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "inmemory";
    }

    private Entry entry(String path) throws NoSuchFileException {
        Entry e = files.get(DriverPaths.check(path));
        if (e == null) {
            throw new NoSuchFileException(path);
        }
        return e;
    }

    private static String prefix(String directory) {
        return directory.equals("/") ? "/" : directory + "/";
    }

    /** The files under {@code directory}, in order. */
    private Map<String, Entry> under(String directory) {
        String p = prefix(DriverPaths.check(directory));
        // '/' + 1 is '0': every key starting with p sorts before p with its last char raised by one.
        return files.subMap(p, true, p.substring(0, p.length() - 1) + (char) ('/' + 1), false);
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        return entry(path).content().clone();
    }

    @Override
    public void putContent(String path, byte[] content) {
        files.put(DriverPaths.check(path), new Entry(content.clone(), Instant.now()));
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        byte[] content = entry(path).content();
        int from = (int) Math.min(offset, content.length);
        return new ByteArrayInputStream(content, from, content.length - from);
    }

    @Override
    public FileWriter writer(String path, boolean append) throws IOException {
        byte[] committed = append ? entry(path).content() : new byte[0];
        DriverPaths.check(path);
        return new FileWriter() {
            private final ByteArrayOutputStream written = new ByteArrayOutputStream();
            private boolean done;

            @Override
            public void write(byte[] buffer, int offset, int length) {
                written.write(buffer, offset, length);
            }

            @Override
            public long size() {
                return committed.length + written.size();
            }

            @Override
            public void commit() throws IOException {
                if (done) {
                    throw new IOException("writer of " + path + " already closed");
                }
                done = true;
                byte[] content = new byte[committed.length + written.size()];
                System.arraycopy(committed, 0, content, 0, committed.length);
                System.arraycopy(written.toByteArray(), 0, content, committed.length, written.size());
                files.put(path, new Entry(content, Instant.now()));
            }

            @Override
            public void cancel() {
                done = true;
            }

            @Override
            public void close() {
                done = true;
            }
        };
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        Entry e = files.get(DriverPaths.check(path));
        if (e != null) {
            return FileInfo.file(path, e.content().length, e.modified());
        }
        if (!under(path).isEmpty()) {
            return FileInfo.directory(path);
        }
        throw new NoSuchFileException(path);
    }

    @Override
    public List<String> list(String path) {
        String p = prefix(DriverPaths.check(path));
        TreeSet<String> children = new TreeSet<>();
        for (String key : under(path).keySet()) {
            int slash = key.indexOf('/', p.length());
            children.add(slash < 0 ? key : key.substring(0, slash));
        }
        return new ArrayList<>(children);
    }

    @Override
    public void move(String source, String destination) throws IOException {
        DriverPaths.check(destination);
        Entry e = files.remove(DriverPaths.check(source));
        if (e == null) {
            throw new NoSuchFileException(source);
        }
        files.put(destination, e);
    }

    @Override
    public void delete(String path) {
        files.remove(DriverPaths.check(path));
        under(path).clear();
    }

    @Override
    public void walk(String path, FileVisitor visitor) throws IOException {
        for (Map.Entry<String, Entry> e : under(path).entrySet()) {
            visitor.visit(FileInfo.file(e.getKey(), e.getValue().content().length, e.getValue().modified()));
        }
    }

    @Override
    public boolean touch(String path) {
        return files.computeIfPresent(DriverPaths.check(path), (k, e) -> new Entry(e.content(), Instant.now())) != null;
    }

    @Override
    public Optional<StorageLock> tryLock(String path, Duration ttl) {
        String owner = UUID.randomUUID().toString();
        Lease mine = new Lease(owner, Instant.now().plus(ttl));
        Lease now = leases.compute(DriverPaths.check(path),
                (k, held) -> held == null || Instant.now().isAfter(held.expires()) ? mine : held);
        if (now != mine) {
            return Optional.empty();
        }
        return Optional.of(new StorageLock() {
            @Override
            public boolean renew() {
                Lease renewed = new Lease(owner, Instant.now().plus(ttl));
                return leases.computeIfPresent(path, (k, held) -> held.owner().equals(owner)
                        && !Instant.now().isAfter(held.expires()) ? renewed : held) == renewed;
            }

            @Override
            public void close() {
                leases.computeIfPresent(path, (k, held) -> held.owner().equals(owner) ? null : held);
            }
        });
    }
}
