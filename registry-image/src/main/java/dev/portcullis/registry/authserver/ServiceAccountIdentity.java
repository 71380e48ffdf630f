package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who a TokenReview says a ServiceAccount token belongs to: the account {@code system:serviceaccount:NS:NAME} and the
 * labels ACLs match on. {@code namespace} and {@code serviceaccount} come from the user name, so one generic rule
 * ({@code name: "${labels:namespace}/*"}) scopes every namespace to its own repositories; {@code pod} and {@code node}
 * come from the {@code status.user.extra} a bound (projected) token carries, and are absent for legacy Secret tokens.
 */
record ServiceAccountIdentity(String account, Map<String, List<String>> labels) {
    static final String NAMESPACE = "namespace";
    static final String SERVICE_ACCOUNT = "serviceaccount";
    static final String POD = "pod";
    static final String NODE = "node";
    /** The API server's keys in {@code status.user.extra} for a pod-bound token, and the label each becomes. */
    private static final Map<String, String> BOUND_TO = Map.of(
            "authentication.kubernetes.io/pod-name", POD,
            "authentication.kubernetes.io/node-name", NODE);

    ServiceAccountIdentity {
        labels = Map.copyOf(labels);
    }

    /**
     * Reads {@code status.user} of an authenticated TokenReview; empty when the user is not a well-formed ServiceAccount
     * (the API server also vouches for other user kinds, which ACL authors would not expect here).
     */
    static Optional<ServiceAccountIdentity> fromReviewedUser(JsonNode user) {
        String name = user.path("username").asText(null);
        if (name == null || !name.startsWith(KubernetesAuthenticator.SERVICE_ACCOUNT_PREFIX)) {
            return Optional.empty();
        }
        String[] parts = name.substring(KubernetesAuthenticator.SERVICE_ACCOUNT_PREFIX.length()).split(":", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<String>> labels = new LinkedHashMap<>();
        labels.put(NAMESPACE, List.of(parts[0]));
        labels.put(SERVICE_ACCOUNT, List.of(parts[1]));
        JsonNode extra = user.path("extra");
        BOUND_TO.forEach((key, label) -> {
            // Extra values are string lists; anything else (or an empty value) is left out rather than guessed at.
            List<String> values = new ArrayList<>();
            extra.path(key).forEach(v -> {
                if (v.isTextual() && !v.asText().isEmpty()) {
                    values.add(v.asText());
                }
            });
            if (!values.isEmpty()) {
                labels.put(label, List.copyOf(values));
            }
        });
        return Optional.of(new ServiceAccountIdentity(name, labels));
    }

    String namespace() {
        return labels.get(NAMESPACE).get(0);
    }
}
