package dev.portcullis.registry.authserver;

import java.time.Duration;
import java.util.Optional;

/**
 * Decides who is asking: the static users (bcrypt) and, when enabled, Kubernetes ServiceAccount tokens; with the
 * login throttle in front of both so refused attempts cost no bcrypt and no API call.
 */
final class Authenticator {
    private static final System.Logger LOG = System.getLogger(Authenticator.class.getName());

    sealed interface Result permits Success, Failure, Throttled, Unavailable {
    }

    /** {@code refreshable}: whether a refresh token may be issued (only for identities we can re-check later). */
    record Success(String account, boolean refreshable) implements Result {
    }

    record Failure() implements Result {
    }

    record Throttled(Duration retryAfter) implements Result {
    }

    record Unavailable() implements Result {
    }

    private final UserStore users;
    private final Optional<KubernetesAuthenticator> kubernetes;
    private final LoginThrottle throttle;

    Authenticator(UserStore users, Optional<KubernetesAuthenticator> kubernetes, LoginThrottle throttle) {
        this.users = users;
        this.kubernetes = kubernetes;
        this.throttle = throttle;
    }

    boolean anonymousAllowed() {
        return users.anonymousAllowed();
    }

    /** Whether a refresh token's subject may still get tokens: it must still be a configured user. */
    boolean stillExists(String account) {
        return users.exists(account);
    }

    Result login(String username, String password, String address) {
        Duration wait = throttle.retryAfter(username, address);
        if (!wait.isZero()) {
            LOG.log(System.Logger.Level.INFO, "login throttled: account={0} address={1}", Scopes.printable(username), address);
            return new Throttled(wait);
        }
        if (kubernetes.isPresent() && KubernetesAuthenticator.looksLikeToken(password)) {
            try {
                Optional<String> sa = kubernetes.get().review(password);
                if (sa.isPresent()) {
                    throttle.recordSuccess(username);
                    return new Success(sa.get(), false);
                }
            } catch (KubernetesAuthenticator.UnavailableException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
                return new Unavailable();
            }
        }
        if (!username.isEmpty() && users.check(username, password)) {
            throttle.recordSuccess(username);
            return new Success(username, true);
        }
        throttle.recordFailure(username, address);
        LOG.log(System.Logger.Level.INFO, "login failed: account={0} address={1}", Scopes.printable(username), address);
        return new Failure();
    }
}
