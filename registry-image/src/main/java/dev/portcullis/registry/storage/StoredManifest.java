package dev.portcullis.registry.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.MediaTypes;
import java.io.IOException;

/** A manifest's exact bytes and the media type it was pushed with. */
public record StoredManifest(Digest digest, String mediaType, byte[] content) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The media type a manifest declares in its own JSON, for manifests written by Distribution, which keeps no media
     * type beside them; an index if it lists manifests, an image manifest otherwise.
     */
    public static String declaredMediaType(byte[] content) {
        try {
            JsonNode node = JSON.readTree(content);
            JsonNode mt = node.get("mediaType");
            if (mt != null && mt.isTextual()) {
                return mt.textValue();
            }
            return node.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        } catch (IOException | RuntimeException e) {
            return MediaTypes.OCI_MANIFEST;
        }
    }
}
