package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import java.time.Instant;

/** A blob made visible in a repository, and when it was linked (pushed or mounted). */
public record LinkRecord(Digest digest, Instant linked) {
}
