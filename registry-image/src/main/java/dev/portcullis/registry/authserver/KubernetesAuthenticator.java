package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Logs in pods and CI jobs with their own ServiceAccount token as the password: the API server's TokenReview says
 * whose token it is, and the account becomes {@code system:serviceaccount:NS:NAME}. The Basic user name the client
 * sent is not trusted for this: the identity is the API server's answer, with labels for the ACLs
 * ({@link ServiceAccountIdentity}). Only ServiceAccounts are accepted (a
 * TokenReview also vouches for other user kinds, which the ACL authors would not expect).
 */
final class KubernetesAuthenticator {
    static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
    static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesApi api;
    private final List<String> audiences;
    private final List<String> namespaces;

    /** Thrown when the API server cannot be asked: the login is neither accepted nor counted as a failure. */
    static final class UnavailableException extends Exception {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    KubernetesAuthenticator(KubernetesApi api, List<String> audiences, List<String> namespaces) {
        this.api = api;
        this.audiences = List.copyOf(audiences);
        this.namespaces = List.copyOf(namespaces);
    }

    /** Cheap pre-check so ordinary passwords never go to the API server: a JWS compact serialization. */
    static boolean looksLikeToken(String password) {
        return password.startsWith("eyJ") && password.chars().filter(c -> c == '.').count() == 2 && password.length() < 16_384;
    }

    /** The ServiceAccount and its labels when the API server vouches for the token, else empty. */
    Optional<ServiceAccountIdentity> review(String token) throws UnavailableException {
        ObjectNode request = JSON.createObjectNode()
                .put("apiVersion", "authentication.k8s.io/v1")
                .put("kind", "TokenReview");
        ObjectNode spec = request.putObject("spec").put("token", token);
        if (!audiences.isEmpty()) {
            audiences.forEach(spec.putArray("audiences")::add);
        }
        JsonNode status;
        try {
            HttpResponse<String> answer = api.post(TOKEN_REVIEWS, JSON.writeValueAsString(request));
            if (answer.statusCode() != 201 && answer.statusCode() != 200) {
                // The API server's own error (403 without system:auth-delegator, 5xx): not the client's fault.
                throw new UnavailableException("TokenReview failed: HTTP " + answer.statusCode(), null);
            }
            status = JSON.readTree(answer.body()).path("status");
        } catch (IOException | java.io.UncheckedIOException e) {
            // Messages of the HTTP client and the JSON parser never contain the request body: the token is not logged.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new UnavailableException("TokenReview failed: " + root.getClass().getSimpleName() + ": "
                    + root.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("TokenReview interrupted", e);
        }
        if (!status.path("authenticated").asBoolean(false)) {
            return Optional.empty();
        }
        if (!audiences.isEmpty()) {
            List<String> granted = new ArrayList<>();
            status.path("audiences").forEach(a -> granted.add(a.asText()));
            if (granted.stream().noneMatch(audiences::contains)) {
                return Optional.empty();
            }
        }
        Optional<ServiceAccountIdentity> identity = ServiceAccountIdentity.fromReviewedUser(status.path("user"));
        if (identity.isPresent() && !namespaces.isEmpty() && !namespaces.contains(identity.get().namespace())) {
            return Optional.empty();
        }
        return identity;
    }
}
