package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Builds events in the shape of Distribution 2.8's {@code notifications.Event}, so receivers written for it parse ours
 * unchanged: field names, which fields each action carries, and {@code application/octet-stream} as every blob's
 * media type (Distribution does not know a blob's type).
 */
final class EventRecords {
    static final String ENVELOPE_TYPE = "application/vnd.docker.distribution.events.v1+json";
    static final String BLOB_TYPE = "application/octet-stream";
    /**
     * The descriptor fields Distribution 2.8 repeats in {@code references}: not the newer ones (artifactType, data), and
     * not an index entry's platform (its references are the plain descriptors inside the index's entries).
     */
    private static final List<String> DESCRIPTOR_FIELDS = List.of("mediaType", "size", "digest", "urls", "annotations");
    static final ObjectMapper JSON = new ObjectMapper();

    private final String sourceAddr;
    private final String instanceId;
    private final boolean includeReferences;

    EventRecords(String sourceAddr, String instanceId, boolean includeReferences) {
        this.sourceAddr = sourceAddr;
        this.instanceId = instanceId;
        this.includeReferences = includeReferences;
    }

    ObjectNode event(String action, RequestRecord request, ObjectNode target) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", UUID.randomUUID().toString());
        e.put("timestamp", Instant.now().toString());
        e.put("action", action);
        e.set("target", target);
        ObjectNode r = e.putObject("request");
        r.put("id", request.id());
        r.put("addr", request.addr());
        r.put("host", request.host());
        r.put("method", request.method());
        if (request.userAgent() != null) {
            r.put("useragent", request.userAgent());
        }
        ObjectNode actor = e.putObject("actor");
        if (request.actor() != null) {
            actor.put("name", request.actor());
        }
        ObjectNode source = e.putObject("source");
        source.put("addr", sourceAddr);
        source.put("instanceID", instanceId);
        return e;
    }

    ObjectNode blob(RequestRecord request, RepositoryName repo, Digest digest, long size) {
        ObjectNode t = JSON.createObjectNode();
        t.put("mediaType", BLOB_TYPE);
        t.put("size", size);
        t.put("digest", digest.toString());
        t.put("length", size);
        t.put("repository", repo.value());
        t.put("url", request.baseUrl() + "/v2/" + repo.value() + "/blobs/" + digest);
        return t;
    }

    ObjectNode manifest(RequestRecord request, RepositoryName repo, Digest digest, String mediaType, byte[] content,
                        String tag) {
        ObjectNode t = JSON.createObjectNode();
        t.put("mediaType", mediaType);
        t.put("size", content.length);
        t.put("digest", digest.toString());
        t.put("length", content.length);
        t.put("repository", repo.value());
        t.put("url", request.baseUrl() + "/v2/" + repo.value() + "/manifests/" + digest);
        if (tag != null) {
            t.put("tag", tag);
        }
        if (includeReferences) {
            ArrayNode refs = references(content);
            if (!refs.isEmpty()) {
                t.set("references", refs);
            }
        }
        return t;
    }

    /** A deletion names what went, nothing more: Distribution sends digest and repository, or repository and tag. */
    ObjectNode deleted(RepositoryName repo, Digest digest, String tag) {
        ObjectNode t = JSON.createObjectNode();
        if (digest != null) {
            t.put("digest", digest.toString());
        }
        t.put("repository", repo.value());
        if (tag != null) {
            t.put("tag", tag);
        }
        return t;
    }

    /** Config and layers of an image manifest, or the manifests of an index, in the manifest's order. */
    private static ArrayNode references(byte[] content) {
        ArrayNode out = JSON.createArrayNode();
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (IOException e) {
            return out;
        }
        if (root == null) {
            return out;
        }
        add(out, root.get("config"));
        for (String list : List.of("layers", "manifests")) {
            JsonNode items = root.get(list);
            if (items != null && items.isArray()) {
                items.forEach(d -> add(out, d));
            }
        }
        return out;
    }

    private static void add(ArrayNode out, JsonNode descriptor) {
        if (descriptor == null || !descriptor.isObject()) {
            return;
        }
        ObjectNode d = JSON.createObjectNode();
        for (String field : DESCRIPTOR_FIELDS) {
            JsonNode v = descriptor.get(field);
            if (v != null && !v.isNull()) {
                d.set(field, v);
            }
        }
        out.add(d);
    }
}
