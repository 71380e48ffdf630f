package dev.portcullis.registry.storage.driver;

import java.time.Instant;

/**
 * What {@link StorageDriver#stat} and {@link StorageDriver#walk} report about a path. A directory has size 0 and, when
 * the store keeps none, {@link Instant#EPOCH} as its time.
 */
public record FileInfo(String path, long size, Instant modified, boolean directory) {

    public static FileInfo file(String path, long size, Instant modified) {
        return new FileInfo(path, size, modified, false);
    }

    public static FileInfo directory(String path) {
        return new FileInfo(path, 0, Instant.EPOCH, true);
    }
}
