package dev.portcullis.registry.credentialprovider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Answers a request with the pod's own ServiceAccount token as the password. The token is passed through rather than
 * exchanged for a registry token: the kubelet's answer must be a user name and password (the runtime then does the
 * token dance with them, for each repository), the issuer re-checks the token with a TokenReview at every login (so
 * a deleted pod or ServiceAccount stops pulling at its next login), and the node needs no route to, or trust in, the
 * issuer.
 */
final class PodCredentials {
    /** Kept off the token's end so a cached answer is not handed to containerd a moment before the token dies. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(30);

    private final ProviderSettings settings;
    private final Clock clock;

    PodCredentials(ProviderSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    CredentialProviderResponse answer(CredentialProviderRequest request) throws RefusedRequest {
        String registry = ImageRegistry.of(request.image()).orElseThrow(() -> RefusedRequest.badRequest(
                "image '" + request.image() + "' names no registry host (it is on Docker Hub): not one of " + settings.registries()));
        if (!settings.registries().contains(registry)) {
            throw RefusedRequest.badRequest("image '" + request.image() + "' is on " + registry
                    + ", not on a registry this provider answers for " + settings.registries()
                    + ": narrow matchImages in the kubelet's CredentialProviderConfig");
        }
        if (request.serviceAccountToken().isEmpty()) {
            if (settings.anonymousWithoutToken()) {
                return CredentialProviderResponse.anonymous(Duration.ZERO);
            }
            throw RefusedRequest.badRequest("the request has no serviceAccountToken: set tokenAttributes "
                    + "(serviceAccountTokenAudience, requireServiceAccount: true, cacheType: Token) for this provider "
                    + "in the kubelet's CredentialProviderConfig (Kubernetes 1.34+)");
        }
        String token = request.serviceAccountToken().get();
        Instant expiry = TokenLifetime.expiry(token);
        Instant now = clock.instant();
        if (!expiry.isAfter(now)) {
            throw RefusedRequest.badRequest("serviceAccountToken expired at " + expiry + ": the kubelet sent a stale token");
        }
        Duration usable = Duration.between(now, expiry).minus(EXPIRY_MARGIN);
        Duration cache = usable.isNegative() ? Duration.ZERO : usable;
        if (cache.compareTo(settings.maxCacheDuration()) > 0) {
            cache = settings.maxCacheDuration();
        }
        return new CredentialProviderResponse(cache, Optional.of(registry), settings.username(), token);
    }
}
