package dev.portcullis.registry.storage.driver;

import java.io.IOException;

/**
 * Thrown by {@link FileWriter#commit} of an appending writer when another writer committed to the same file after this
 * one was opened (two replicas sent the same upload's chunks at once): this writer's bytes are discarded, the file
 * holds the other writer's. A driver for a store several processes share detects it (an object store with a
 * conditional write on the version it read); a driver whose files only one process appends to need not.
 */
public class ConcurrentAppendException extends IOException {
    public ConcurrentAppendException(String path) {
        super(path + " was appended to by another writer meanwhile");
    }
}
