package dev.portcullis.registry.storage;

import java.io.IOException;

/** A lock shared by every registry process on one storage, such as the garbage collector's. */
public interface StorageLock extends AutoCloseable {
    /** Extends the lock's lifetime by its TTL again; false if it was lost (expired and taken by someone else). */
    boolean renew() throws IOException;

    @Override
    void close() throws IOException;
}
