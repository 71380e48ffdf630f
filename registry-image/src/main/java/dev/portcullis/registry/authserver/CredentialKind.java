package dev.portcullis.registry.authserver;

import java.util.List;
import java.util.Optional;

/**
 * What a login's password is, decided before the throttle: a password that can be guessed, or a signed token that
 * one of the {@link SignedTokenBackend}s verifies. The two are throttled differently (see {@link Authenticator}), so
 * the classification looks only at the token's shape and its unverified {@code iss}/{@code sub}: a forged token gains
 * nothing by it but the verifier that refuses it.
 */
sealed interface CredentialKind {
    /** Checked by the static users and the {@link LoginBackend}s, under both throttle budgets. */
    record Password() implements CredentialKind {
    }

    /** Checked only by {@code backend}; {@code claimedAccount} (unverified) keys its per-address throttle. */
    record SignedToken(SignedTokenBackend backend, UnverifiedJwt token, String claimedAccount) implements CredentialKind {
    }

    static CredentialKind of(String userName, String password, String remoteAddress, List<SignedTokenBackend> backends) {
        if (backends.isEmpty()) {
            return new Password();
        }
        Optional<UnverifiedJwt> token = UnverifiedJwt.parse(password);
        if (token.isEmpty()) {
            return new Password();
        }
        for (SignedTokenBackend b : backends) {
            Optional<String> account = b.claimedAccount(token.get(), userName);
            if (account.isPresent()) {
                return new SignedToken(b, token.get(), account.get());
            }
        }
        backends.forEach(b -> b.unclaimed(token.get(), userName, remoteAddress));
        return new Password();
    }
}
