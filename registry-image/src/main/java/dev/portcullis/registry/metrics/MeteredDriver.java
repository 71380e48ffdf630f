package dev.portcullis.registry.metrics;

import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.storage.driver.FileInfo;
import dev.portcullis.registry.storage.driver.FileWriter;
import dev.portcullis.registry.storage.driver.StorageDriver;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Times every driver call ({@code registry_storage_operations_seconds} by operation and outcome) and counts its
 * failures. A missing path is an answer, not a failure: the registry asks for absent paths on every first push.
 */
public final class MeteredDriver implements StorageDriver {
    private final StorageDriver delegate;
    private final RegistryMetrics metrics;

    public MeteredDriver(StorageDriver delegate, RegistryMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    /** The driver measured, for what needs to know which driver it is (the notification outbox). */
    public StorageDriver delegate() {
        return delegate;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T timed(String operation, Call<T> call) throws IOException {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = call.run();
            failed = false;
            return result;
        } catch (NoSuchFileException absent) {
            failed = false;
            throw absent;
        } finally {
            metrics.storage(operation, Duration.ofNanos(System.nanoTime() - start), failed);
        }
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        return timed("get_content", () -> delegate.getContent(path));
    }

    @Override
    public void putContent(String path, byte[] content) throws IOException {
        timed("put_content", () -> {
            delegate.putContent(path, content);
            return null;
        });
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        return timed("reader", () -> delegate.reader(path, offset));
    }

    @Override
    public FileWriter writer(String path, boolean append) throws IOException {
        FileWriter writer = timed("writer", () -> delegate.writer(path, append));
        return new FileWriter() {
            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                writer.write(buffer, offset, length);
            }

            @Override
            public long size() {
                return writer.size();
            }

            @Override
            public void commit() throws IOException {
                timed("writer_commit", () -> {
                    writer.commit();
                    return null;
                });
            }

            @Override
            public void cancel() throws IOException {
                timed("writer_cancel", () -> {
                    writer.cancel();
                    return null;
                });
            }

            @Override
            public void close() throws IOException {
                writer.close();
            }
        };
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        return timed("stat", () -> delegate.stat(path));
    }

    @Override
    public List<String> list(String path) throws IOException {
        return timed("list", () -> delegate.list(path));
    }

    @Override
    public void move(String source, String destination) throws IOException {
        timed("move", () -> {
            delegate.move(source, destination);
            return null;
        });
    }

    @Override
    public void delete(String path) throws IOException {
        timed("delete", () -> {
            delegate.delete(path);
            return null;
        });
    }

    @Override
    public void walk(String path, FileVisitor visitor) throws IOException {
        timed("walk", () -> {
            delegate.walk(path, visitor);
            return null;
        });
    }

    @Override
    public boolean touch(String path) throws IOException {
        return timed("touch", () -> delegate.touch(path));
    }

    @Override
    public Optional<StorageLock> tryLock(String path, Duration ttl) throws IOException {
        return timed("lock", () -> delegate.tryLock(path, ttl));
    }

    @Override
    public Optional<URI> redirectUrl(String path, Duration validity) throws IOException {
        return timed("redirect_url", () -> delegate.redirectUrl(path, validity));
    }

    @Override
    public Optional<Path> localFile(String path) throws IOException {
        return timed("local_file", () -> delegate.localFile(path));
    }

    @Override
    public void healthCheck(String probePath) throws IOException {
        timed("health_check", () -> {
            delegate.healthCheck(probePath);
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
