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
 * ({@link ServiceAccountIdentity}). Only ServiceAccounts are accepted (a TokenReview also vouches for other user kinds,
 * which the ACL authors would not expect), so only tokens whose unverified {@code sub} names one are sent to the API
 * server: ordinary passwords and other JWTs never are.
 */
final class KubernetesAuthenticator implements SignedTokenBackend {
    static final String NAME = "kubernetes";
    static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
    static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesApi api;
    private final List<String> audiences;
    private final List<String> namespaces;

    KubernetesAuthenticator(KubernetesApi api, List<String> audiences, List<String> namespaces) {
        this.api = api;
        this.audiences = List.copyOf(audiences);
        this.namespaces = List.copyOf(namespaces);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The ServiceAccount the token's unverified {@code sub} names (both legacy and bound tokens carry it). */
    @Override
    public Optional<String> claimedAccount(UnverifiedJwt token, String userName) {
        return token.subject().filter(sub -> sub.startsWith(SERVICE_ACCOUNT_PREFIX));
    }

    @Override
    public SignedTokenResult verify(String userName, UnverifiedJwt token, String remoteAddress) {
        return review(token.jwt().getParsedString());
    }

    /** Asks the API server whose token it is: Verified with the ServiceAccount and its labels, or why not. */
    SignedTokenResult review(String token) {
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
                return new SignedTokenResult.Unavailable("TokenReview failed: HTTP " + answer.statusCode());
            }
            status = JSON.readTree(answer.body()).path("status");
        } catch (IOException | java.io.UncheckedIOException e) {
            // Messages of the HTTP client and the JSON parser never contain the request body: the token is not logged.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return new SignedTokenResult.Unavailable("TokenReview failed: " + root.getClass().getSimpleName() + ": "
                    + root.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SignedTokenResult.Unavailable("TokenReview interrupted");
        }
        if (!status.path("authenticated").asBoolean(false)) {
            return new SignedTokenResult.Refused("the API server does not authenticate the token");
        }
        if (!audiences.isEmpty()) {
            List<String> granted = new ArrayList<>();
            status.path("audiences").forEach(a -> granted.add(a.asText()));
            if (granted.stream().noneMatch(audiences::contains)) {
                return new SignedTokenResult.Refused("no audience of kubernetes.audiences");
            }
        }
        Optional<ServiceAccountIdentity> identity = ServiceAccountIdentity.fromReviewedUser(status.path("user"));
        if (identity.isEmpty()) {
            return new SignedTokenResult.Refused("not a ServiceAccount");
        }
        if (!namespaces.isEmpty() && !namespaces.contains(identity.get().namespace())) {
            return new SignedTokenResult.Refused("namespace " + Scopes.printable(identity.get().namespace())
                    + " is not in kubernetes.namespaces");
        }
        return new SignedTokenResult.Verified(identity.get().account(), identity.get().labels());
    }
}
