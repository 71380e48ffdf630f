package dev.portcullis.registry.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A manifest as pushed: its media type and what it points at. Parsing validates the JSON against its media type so that
 * a malformed manifest is refused with MANIFEST_INVALID before anything is stored.
 */
public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers, List<Descriptor> manifests,
                       Descriptor subject, String artifactType, Map<String, String> annotations) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Blobs the manifest needs in its repository: config and layers (none for an index). */
    public List<Descriptor> blobReferences() {
        List<Descriptor> out = new ArrayList<>();
        if (config != null) {
            out.add(config);
        }
        for (Descriptor d : layers) {
            if (!d.external()) {
                out.add(d);
            }
        }
        return out;
    }

    public Optional<Descriptor> subjectDescriptor() {
        return Optional.ofNullable(subject);
    }

    /** The artifact type the referrers API reports: artifactType, else the config's media type (spec 1.1). */
    public String effectiveArtifactType() {
        if (artifactType != null) {
            return artifactType;
        }
        return config == null ? null : config.mediaType();
    }

    public static Manifest parse(byte[] bytes, String contentType) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ErrorCode.MANIFEST_INVALID.exception("manifest is not valid JSON");
        } catch (IOException e) {
            throw ErrorCode.MANIFEST_INVALID.exception("manifest could not be read");
        }
        if (root == null || !root.isObject()) {
            throw ErrorCode.MANIFEST_INVALID.exception("manifest is not a JSON object");
        }
        ObjectNode obj = (ObjectNode) root;
        JsonNode schemaVersion = obj.get("schemaVersion");
        String declared = text(obj, "mediaType");
        String header = MediaTypes.base(contentType);
        if (MediaTypes.DOCKER_SCHEMA1.equals(header) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(header)
                || (schemaVersion != null && schemaVersion.isInt() && schemaVersion.intValue() == 1)) {
            throw ErrorCode.MANIFEST_INVALID.exception("Docker schema 1 manifests are not supported; push schema 2 or OCI");
        }
        if (schemaVersion == null || !schemaVersion.isInt() || schemaVersion.intValue() != 2) {
            throw ErrorCode.MANIFEST_INVALID.exception("schemaVersion must be 2");
        }
        String mediaType = resolveMediaType(header, declared, obj);
        if (declared != null && !declared.equals(mediaType)) {
            throw ErrorCode.MANIFEST_INVALID.exception(
                    "mediaType " + declared + " does not match the Content-Type " + mediaType);
        }
        String artifactType = text(obj, "artifactType");
        Descriptor subject = obj.has("subject") ? descriptor(obj.get("subject"), "subject") : null;
        Map<String, String> annotations = annotations(obj.get("annotations"), "annotations");
        if (MediaTypes.isIndex(mediaType)) {
            List<Descriptor> children = descriptors(obj.get("manifests"), "manifests", true);
            return new Manifest(mediaType, null, List.of(), children, subject, artifactType, annotations);
        }
        Descriptor config = descriptor(obj.get("config"), "config");
        List<Descriptor> layers = descriptors(obj.get("layers"), "layers", MediaTypes.DOCKER_MANIFEST.equals(mediaType));
        return new Manifest(mediaType, config, layers, List.of(), subject, artifactType, annotations);
    }

    private static String resolveMediaType(String header, String declared, ObjectNode obj) {
        if (header != null && MediaTypes.isSupportedManifest(header)) {
            return header;
        }
        boolean generic = header == null || header.isEmpty() || header.equals("application/json")
                || header.equals("application/octet-stream");
        if (!generic) {
            throw ErrorCode.MANIFEST_INVALID.exception("unsupported manifest media type " + header);
        }
        if (declared != null) {
            if (!MediaTypes.isSupportedManifest(declared)) {
                throw ErrorCode.MANIFEST_INVALID.exception("unsupported manifest media type " + declared);
            }
            return declared;
        }
        if (obj.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (obj.has("config")) {
            return MediaTypes.OCI_MANIFEST;
        }
        throw ErrorCode.MANIFEST_INVALID.exception("cannot tell the manifest's media type");
    }

    private static List<Descriptor> descriptors(JsonNode node, String field, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw ErrorCode.MANIFEST_INVALID.exception(field + " is required");
            }
            return List.of();
        }
        if (!node.isArray()) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + " must be an array");
        }
        List<Descriptor> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(descriptor(node.get(i), field + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    private static Descriptor descriptor(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + " must be a descriptor object");
        }
        String mediaType = text(node, "mediaType");
        if (mediaType == null || mediaType.isEmpty()) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + ".mediaType is required");
        }
        String digestText = text(node, "digest");
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (RegistryException e) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + ".digest is not a valid digest");
        }
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.longValue() < 0) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + ".size must be a non-negative integer");
        }
        JsonNode urls = node.get("urls");
        boolean external = urls != null && urls.isArray() && urls.size() > 0
                && (mediaType.contains("foreign") || mediaType.contains("nondistributable"));
        return new Descriptor(mediaType, digest, size.longValue(), text(node, "artifactType"),
                annotations(node.get("annotations"), field + ".annotations"), external);
    }

    private static Map<String, String> annotations(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + " must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw ErrorCode.MANIFEST_INVALID.exception(field + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ErrorCode.MANIFEST_INVALID.exception(field + " must be a string");
        }
        return v.textValue();
    }
}
