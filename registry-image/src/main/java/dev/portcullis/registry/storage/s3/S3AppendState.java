package dev.portcullis.registry.storage.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A file being appended to in parts, as it lives in the bucket so that any replica continues it: the S3 multipart
 * upload its full parts went to (pinned by their ETags, which S3 checks when the upload completes) and the tail
 * shorter than a part, in an object of its own ({@code tailKey}, a new unique key per commit, so the state always
 * names the very tail its writer wrote).
 *
 * <p>It is stored <em>at the file's own key</em>, marked by the metadata {@link #MARKER}, with the file's size in
 * {@link #SIZE}: a HEAD says what the file is and how long, and each append commits by replacing that one object
 * conditionally on its ETag, so of two replicas (wrongly) appending at once exactly one wins. Completing the multipart
 * upload writes the content over the state in one step.
 */
record S3AppendState(String multipartId, List<Part> parts, String tailKey, int tailSize, long size) {
    static final String MARKER = "portcullis-append";
    static final String SIZE = "portcullis-size";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Part(int number, String etag, long size) {}

    static boolean isState(Map<String, String> metadata) {
        return "1".equals(metadata.get(MARKER));
    }

    static long size(Map<String, String> metadata) {
        try {
            return Long.parseLong(metadata.getOrDefault(SIZE, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    Map<String, String> metadata() {
        return Map.of(MARKER, "1", SIZE, Long.toString(size));
    }

    byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("multipartId", multipartId);
        ArrayNode ps = n.putArray("parts");
        for (Part p : parts) {
            ps.addObject().put("n", p.number()).put("etag", p.etag()).put("size", p.size());
        }
        if (tailKey != null) {
            n.put("tailKey", tailKey);
        }
        n.put("tailSize", tailSize);
        n.put("size", size);
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static S3AppendState fromJson(byte[] bytes) throws IOException {
        JsonNode n = JSON.readTree(bytes);
        if (n == null || !n.isObject() || !n.hasNonNull("multipartId")) {
            throw new IOException("append state is not ours");
        }
        List<Part> parts = new ArrayList<>();
        for (JsonNode p : n.path("parts")) {
            parts.add(new Part(p.path("n").asInt(), p.path("etag").asText(), p.path("size").asLong()));
        }
        return new S3AppendState(n.get("multipartId").asText(), List.copyOf(parts),
                n.hasNonNull("tailKey") ? n.get("tailKey").asText() : null, n.path("tailSize").asInt(),
                n.path("size").asLong());
    }
}
