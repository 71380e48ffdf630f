package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;

/** A manifest's exact bytes and the media type it was pushed with. */
public record StoredManifest(Digest digest, String mediaType, byte[] content) {
}
