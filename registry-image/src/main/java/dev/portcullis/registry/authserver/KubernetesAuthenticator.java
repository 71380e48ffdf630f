package dev.portcullis.registry.authserver;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;
import java.util.Optional;

/**
 * Logs in pods and CI jobs with their own ServiceAccount token as the password: the API server's TokenReview says
 * whose token it is, and the account becomes {@code system:serviceaccount:NS:NAME}. The Basic user name the client
 * sent is not trusted for this: the identity is the API server's answer. Only ServiceAccounts are accepted (a
 * TokenReview also vouches for other user kinds, which the ACL authors would not expect).
 */
final class KubernetesAuthenticator {
    static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

    private final KubernetesClient client;
    private final List<String> audiences;
    private final List<String> namespaces;

    /** Thrown when the API server cannot be asked: the login is neither accepted nor counted as a failure. */
    static final class UnavailableException extends Exception {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    KubernetesAuthenticator(KubernetesClient client, List<String> audiences, List<String> namespaces) {
        this.client = client;
        this.audiences = List.copyOf(audiences);
        this.namespaces = List.copyOf(namespaces);
    }

    /** Cheap pre-check so ordinary passwords never go to the API server: a JWS compact serialization. */
    static boolean looksLikeToken(String password) {
        return password.startsWith("eyJ") && password.chars().filter(c -> c == '.').count() == 2 && password.length() < 16_384;
    }

    /** The ServiceAccount user name when the API server vouches for the token, else empty. */
    Optional<String> review(String token) throws UnavailableException {
        TokenReview request = new TokenReviewBuilder()
                .withNewSpec().withToken(token).withAudiences(audiences.isEmpty() ? null : audiences).endSpec()
                .build();
        TokenReview answer;
        try {
            answer = client.authentication().v1().tokenReviews().create(request);
        } catch (KubernetesClientException e) {
            // The message of a client exception never contains the request body, so the token is not logged.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = e.getCode() > 0 ? "HTTP " + e.getCode() : root.getClass().getSimpleName() + ": " + root.getMessage();
            throw new UnavailableException("TokenReview failed: " + why, e);
        }
        TokenReviewStatus status = answer == null ? null : answer.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
            return Optional.empty();
        }
        String user = status.getUser().getUsername();
        if (user == null || !user.startsWith(SERVICE_ACCOUNT_PREFIX)) {
            return Optional.empty();
        }
        if (!audiences.isEmpty() && (status.getAudiences() == null || status.getAudiences().stream().noneMatch(audiences::contains))) {
            return Optional.empty();
        }
        String[] parts = user.substring(SERVICE_ACCOUNT_PREFIX.length()).split(":", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.empty();
        }
        if (!namespaces.isEmpty() && !namespaces.contains(parts[0])) {
            return Optional.empty();
        }
        return Optional.of(user);
    }
}
