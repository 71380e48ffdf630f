package dev.portcullis.registry.authserver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides who is asking: the static users (bcrypt) and, when enabled, Kubernetes ServiceAccount tokens; with the
 * login throttle in front of both so refused attempts cost no bcrypt and no API call.
 */
final class Authenticator {
    private static final System.Logger LOG = System.getLogger(Authenticator.class.getName());

    sealed interface Result permits Success, Failure, Throttled, Unavailable {
    }

    /** {@code refreshable}: whether a refresh token may be issued (only for identities we can re-check later). */
    record Success(String account, boolean refreshable, Map<String, List<String>> labels) implements Result {
        Success(String account, boolean refreshable) {
            this(account, refreshable, Map.of());
        }
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
    /** mongo_auth, ext_auth...: asked in order for accounts the static users do not have. */
    private final List<PasswordBackend> backends;
    private final Map<String, CompletableFuture<Result>> inFlight = new ConcurrentHashMap<>();

    Authenticator(UserStore users, Optional<KubernetesAuthenticator> kubernetes, LoginThrottle throttle) {
        this(users, kubernetes, throttle, List.of());
    }

    Authenticator(UserStore users, Optional<KubernetesAuthenticator> kubernetes, LoginThrottle throttle,
                  List<PasswordBackend> backends) {
        this.users = users;
        this.kubernetes = kubernetes;
        this.throttle = throttle;
        this.backends = List.copyOf(backends);
    }

    boolean anonymousAllowed() {
        return users.anonymousAllowed();
    }

    /** The version of {@code account}'s password entry that refresh tokens are bound to, or empty when it has none. */
    Optional<String> credentialVersion(String account) {
        return users.credentialVersion(account);
    }

    /**
     * Checks one login. Identical concurrent logins (a fleet of nodes with one robot account) share one check; each
     * other attempt is counted by the throttle before its password is checked.
     */
    Result login(String username, String password, String address) {
        String key = fingerprint(username, password);
        CompletableFuture<Result> mine = new CompletableFuture<>();
        CompletableFuture<Result> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running.join();
        }
        try {
            Result r = check(username, password, address);
            mine.complete(r);
            return r;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private Result check(String username, String password, String address) {
        Duration wait = throttle.acquire(username, address);
        if (!wait.isZero()) {
            LOG.log(System.Logger.Level.INFO, "login throttled: account={0} address={1}", Scopes.printable(username), address);
            return new Throttled(wait);
        }
        boolean settled = false;
        try {
            if (kubernetes.isPresent() && KubernetesAuthenticator.looksLikeToken(password)) {
                try {
                    Optional<String> sa = kubernetes.get().review(password);
                    if (sa.isPresent()) {
                        // The identity is the ServiceAccount, not the user name the client sent: that name's
                        // failures stay counted.
                        throttle.abandoned(username, address);
                        settled = true;
                        return new Success(sa.get(), false);
                    }
                } catch (KubernetesAuthenticator.UnavailableException e) {
                    LOG.log(System.Logger.Level.WARNING, e.getMessage());
                    throttle.abandoned(username, address);
                    settled = true;
                    return new Unavailable();
                }
            }
            if (!username.isEmpty() && users.check(username, password)) {
                throttle.succeeded(username, address);
                settled = true;
                return new Success(username, true);
            }
            // As docker_auth: a static user's wrong password ends here; names it does not know go down the chain.
            if (!username.isEmpty() && !users.exists(username)) {
                for (PasswordBackend backend : backends) {
                    PasswordBackend.Verdict v = backend.authenticate(username, password);
                    if (v instanceof PasswordBackend.Allowed allowed) {
                        throttle.succeeded(username, address);
                        settled = true;
                        // Not refreshable: a refresh token could not re-check this password later.
                        return new Success(username, false, allowed.labels());
                    }
                    if (v instanceof PasswordBackend.Unavailable) {
                        throttle.abandoned(username, address);
                        settled = true;
                        return new Unavailable();
                    }
                    if (v instanceof PasswordBackend.Denied) {
                        break;
                    }
                }
            }
            throttle.failed(username, address);
            settled = true;
            LOG.log(System.Logger.Level.INFO, "login failed: account={0} address={1}", Scopes.printable(username), address);
            return new Failure();
        } finally {
            if (!settled) {
                throttle.abandoned(username, address);
            }
        }
    }

    /** A map key for a login in flight; the password itself is not kept as one. */
    private static String fingerprint(String username, String password) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(username.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            return HexFormat.of().formatHex(d.digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
