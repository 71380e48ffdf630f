package dev.portcullis.registry.storage;

import java.time.Instant;

/** Where an upload session stands: how many bytes it holds. */
public record UploadState(String id, long offset, Instant startedAt) {
}
