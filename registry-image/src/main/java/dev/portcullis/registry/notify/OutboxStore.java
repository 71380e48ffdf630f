package dev.portcullis.registry.notify;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where one endpoint's outbox entries live: small objects under names that sort in the order they were written. Only
 * put, list, get and delete, so that any storage driver (issue #24) can hold an outbox.
 */
public interface OutboxStore {
    /** Stores {@code content} under {@code name}; durable (on disk, or acknowledged by the object store) on return. */
    void put(String name, byte[] content) throws IOException;

    /** Every entry's name, ascending. */
    List<String> list() throws IOException;

    /** Empty when the entry is gone (delivered and deleted by another replica meanwhile). */
    Optional<byte[]> get(String name) throws IOException;

    void delete(String name) throws IOException;
}
