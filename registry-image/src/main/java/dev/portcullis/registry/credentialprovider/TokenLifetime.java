package dev.portcullis.registry.credentialprovider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;

/**
 * When a ServiceAccount token expires, read from its {@code exp} claim without checking the signature: the plugin
 * only uses it to keep the kubelet from caching the token past its life. Whether the token is genuine is the
 * issuer's TokenReview's business, at every login.
 */
final class TokenLifetime {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenLifetime() {
    }

    static Instant expiry(String token) throws RefusedRequest {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw RefusedRequest.badRequest("serviceAccountToken is not a JWT (a projected ServiceAccount token is)");
        }
        JsonNode exp;
        try {
            exp = JSON.readTree(Base64.getUrlDecoder().decode(parts[1])).path("exp");
        } catch (IOException | IllegalArgumentException e) {
            throw RefusedRequest.badRequest("serviceAccountToken's payload is not base64url JSON");
        }
        if (!exp.canConvertToLong()) {
            throw RefusedRequest.badRequest("serviceAccountToken has no numeric exp claim");
        }
        return Instant.ofEpochSecond(exp.asLong());
    }
}
