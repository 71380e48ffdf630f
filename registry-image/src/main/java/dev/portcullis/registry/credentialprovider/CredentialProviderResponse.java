package dev.portcullis.registry.credentialprovider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code CredentialProviderResponse} the kubelet reads from stdout. The cache key is the registry: with
 * {@code tokenAttributes.cacheType: Token} the kubelet adds the token to the key, so each answer is reused only for
 * the token it holds. An empty {@code auth} tells the kubelet to pull with no credentials from this provider.
 */
record CredentialProviderResponse(Duration cacheDuration, Optional<String> registry, String username, String password) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static CredentialProviderResponse anonymous(Duration cacheDuration) {
        return new CredentialProviderResponse(cacheDuration, Optional.empty(), null, null);
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode()
                .put("apiVersion", CredentialProviderRequest.API_VERSION)
                .put("kind", "CredentialProviderResponse")
                .put("cacheKeyType", "Registry")
                // A Go duration the kubelet's metav1.Duration parses; "0s" means: do not cache.
                .put("cacheDuration", cacheDuration.toSeconds() + "s");
        ObjectNode auth = root.putObject("auth");
        registry.ifPresent(host -> auth.putObject(host).put("username", username).put("password", password));
        return root.toString();
    }

    @Override
    public String toString() {
        return "CredentialProviderResponse[registry=" + registry + ", cacheDuration=" + cacheDuration + "]";
    }
}
