package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Map;

/**
 * A {@link SignedTokenBackend}'s answer. {@code reason} and {@code detail} go to the log, so they never quote the token.
 */
sealed interface SignedTokenResult {
    /** The token is genuine: {@code account} is the identity it proves, {@code labels} what it says for the ACLs. */
    record Verified(String account, Map<String, List<String>> labels) implements SignedTokenResult {
        public Verified {
            labels = Map.copyOf(labels);
        }
    }

    /**
     * The token is not accepted (bad signature, expired, wrong audience, ...); {@code issuer} names the configured issuer
     * whose rules refused it, when the backend has several.
     */
    record Refused(java.util.Optional<String> issuer, String reason) implements SignedTokenResult {
        Refused(String reason) {
            this(java.util.Optional.empty(), reason);
        }
    }

    /** The verifier could not be asked (issuer or API server down): the login fails closed, uncounted. */
    record Unavailable(String detail) implements SignedTokenResult {
    }
}
