package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import java.time.Instant;

/** A stored blob as garbage collection sees it. */
public record BlobRecord(Digest digest, long size, Instant written) {
}
