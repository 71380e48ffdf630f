package dev.portcullis.registry.authserver;

import java.util.Optional;

/**
 * Verifies one kind of signed token given as the password: federated OIDC ID tokens ({@code oidc_federation}) or
 * Kubernetes ServiceAccount tokens (TokenReview). Unlike a {@link LoginBackend} it checks no password that can be
 * guessed: the {@link Authenticator} sends it only the tokens it {@linkplain #claimedAccount claims}, throttles them per
 * account and address only (an account-wide lock would let anyone lock a CI identity out by sending junk tokens
 * naming it) and never shows them to the password backends.
 */
interface SignedTokenBackend extends AutoCloseable {
    /** The name in logs and metrics ({@code oidc_federation}, {@code kubernetes}). */
    String name();

    /**
     * The account a token of this backend's kind claims, for the throttle only, or empty when the token is not of its
     * kind. Decided on unverified claims: it routes, it never authenticates.
     */
    Optional<String> claimedAccount(UnverifiedJwt token, String userName);

    /**
     * Verifies a token this backend {@linkplain #claimedAccount claimed}; called from worker threads, concurrently.
     * Never throws for a bad token or an outage.
     */
    SignedTokenResult verify(String userName, UnverifiedJwt token, String remoteAddress);

    /** A signed-looking password no backend claimed: a backend may say once why (a CI job's wrong issuer URL). */
    default void unclaimed(UnverifiedJwt token, String userName, String remoteAddress) {
    }

    @Override
    default void close() {
    }
}
