package dev.portcullis.registry.credentialprovider;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The kubelet's {@code CredentialProviderRequest} ({@code credentialprovider.kubelet.k8s.io/v1}): the image to pull
 * and, when the provider's {@code tokenAttributes} ask for it (KEP-4412), the pod's ServiceAccount token and the
 * ServiceAccount annotations the config names.
 */
record CredentialProviderRequest(String image, Optional<String> serviceAccountToken, Map<String, String> serviceAccountAnnotations) {
    static final String API_VERSION = "credentialprovider.kubelet.k8s.io/v1";
    /** The parser never quotes the input in its messages: the input carries a token. */
    private static final ObjectMapper JSON = JsonMapper.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();

    static CredentialProviderRequest parse(String text) throws RefusedRequest {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw RefusedRequest.badRequest("the request on stdin is not JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (root == null || !root.isObject()) {
            throw RefusedRequest.badRequest("the request on stdin is not a JSON object");
        }
        String apiVersion = root.path("apiVersion").asText("");
        if (!API_VERSION.equals(apiVersion)) {
            throw RefusedRequest.badRequest("apiVersion '" + apiVersion + "' is not supported: set apiVersion: "
                    + API_VERSION + " for this provider in the kubelet's CredentialProviderConfig");
        }
        String kind = root.path("kind").asText("");
        if (!"CredentialProviderRequest".equals(kind)) {
            throw RefusedRequest.badRequest("kind '" + kind + "' is not CredentialProviderRequest");
        }
        JsonNode image = root.path("image");
        if (!image.isTextual() || image.asText().isBlank()) {
            throw RefusedRequest.badRequest("the request names no image");
        }
        JsonNode token = root.path("serviceAccountToken");
        if (!token.isMissingNode() && !token.isNull() && !token.isTextual()) {
            throw RefusedRequest.badRequest("serviceAccountToken is not a string");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        JsonNode given = root.path("serviceAccountAnnotations");
        if (given.isObject()) {
            given.fields().forEachRemaining(f -> annotations.put(f.getKey(), f.getValue().asText()));
        } else if (!given.isMissingNode() && !given.isNull()) {
            throw RefusedRequest.badRequest("serviceAccountAnnotations is not a mapping");
        }
        Optional<String> tokenText = token.isTextual() && !token.asText().isEmpty() ? Optional.of(token.asText()) : Optional.empty();
        return new CredentialProviderRequest(image.asText(), tokenText, Map.copyOf(annotations));
    }

    @Override
    public String toString() {
        return "CredentialProviderRequest[image=" + image + ", serviceAccountToken=" + (serviceAccountToken.isPresent() ? "<redacted>" : "none") + "]";
    }
}
