package dev.portcullis.registry.storage.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * An upload session as it lives in the bucket, so that any replica can continue it: the S3 multipart upload its full
 * parts went to, the tail shorter than a part (its own small object), and the running SHA-256 state, so the blob is
 * never read back to be verified. {@code tailName} names the current tail object: every chunk writes its tail under a
 * new, unique key, so the state always points at the very tail its writer wrote, even if two replicas were (wrongly)
 * sent the same chunk at once; the parts are pinned by their ETags, which S3 checks when the upload completes.
 */
record UploadRecord(String id, Instant startedAt, long offset, String multipartId, List<Part> parts, long tailSize,
                    long generation, String tailName, byte[] sha256State) {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Part(int number, String etag, long size) {}

    static UploadRecord fresh(String id, Instant startedAt) {
        return new UploadRecord(id, startedAt, 0, null, List.of(), 0, 0, null, null);
    }

    byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("startedAt", startedAt.toString());
        n.put("offset", offset);
        if (multipartId != null) {
            n.put("multipartId", multipartId);
        }
        ArrayNode ps = n.putArray("parts");
        for (Part p : parts) {
            ps.addObject().put("n", p.number()).put("etag", p.etag()).put("size", p.size());
        }
        n.put("tailSize", tailSize);
        n.put("generation", generation);
        if (tailName != null) {
            n.put("tailName", tailName);
        }
        if (sha256State != null) {
            n.put("sha256State", Base64.getEncoder().encodeToString(sha256State));
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static UploadRecord fromJson(byte[] bytes) throws IOException {
        JsonNode n = JSON.readTree(bytes);
        if (n == null || !n.isObject()) {
            throw new IOException("upload state is not a JSON object");
        }
        List<Part> parts = new ArrayList<>();
        for (JsonNode p : n.path("parts")) {
            parts.add(new Part(p.path("n").asInt(), p.path("etag").asText(), p.path("size").asLong()));
        }
        String mp = n.hasNonNull("multipartId") ? n.get("multipartId").asText() : null;
        byte[] sha = n.hasNonNull("sha256State") ? Base64.getDecoder().decode(n.get("sha256State").asText()) : null;
        Instant started;
        try {
            started = Instant.parse(n.path("startedAt").asText());
        } catch (RuntimeException e) {
            started = Instant.EPOCH;
        }
        return new UploadRecord(n.path("id").asText(), started, n.path("offset").asLong(), mp, List.copyOf(parts),
                n.path("tailSize").asLong(), n.path("generation").asLong(),
                n.hasNonNull("tailName") ? n.get("tailName").asText() : null, sha);
    }

    long partsSize() {
        return parts.stream().mapToLong(Part::size).sum();
    }
}
