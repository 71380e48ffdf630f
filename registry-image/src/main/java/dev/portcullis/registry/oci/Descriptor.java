package dev.portcullis.registry.oci;

import java.util.Map;

/**
 * An OCI content descriptor. {@code external} marks Docker foreign / OCI non-distributable layers with URLs, which
 * the registry is not expected to hold.
 */
public record Descriptor(String mediaType, Digest digest, long size, String artifactType,
                         Map<String, String> annotations, boolean external) {
}
