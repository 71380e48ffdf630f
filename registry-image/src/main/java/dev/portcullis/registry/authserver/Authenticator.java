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
 * Decides who is asking. The credential is {@linkplain CredentialKind classified} first: a signed token (a federated
 * ID token, a Kubernetes ServiceAccount token) goes only to the {@link SignedTokenBackend} that verifies its kind,
 * under a throttle per account and address only; a password goes to the static users (bcrypt), then the
 * {@link LoginBackend}s in docker_auth's order ({@code ldap_auth}, ...), the first that knows the account deciding,
 * under both budgets of the login throttle. Either throttle is in front, so refused attempts cost no bcrypt, no
 * directory query and no TokenReview. A backend that cannot answer fails the login closed (503), with one log line and
 * a metric.
 *
 * <p>Signed tokens are kept from the account-wide budget because they cannot be guessed: that budget would protect
 * nothing and let anyone lock a CI identity out for everyone with junk tokens naming it. They never reach a password
 * backend, and never pay the dummy bcrypt.
 */
final class Authenticator {
    private static final System.Logger LOG = System.getLogger(Authenticator.class.getName());

    sealed interface Result permits Success, Failure, Throttled, Unavailable {
    }

    /**
     * {@code refreshable}: whether a refresh token may be issued (only for identities we can re-check later);
     * {@code labels}: what the backend said about the account, for the ACLs.
     */
    record Success(String account, boolean refreshable, Map<String, List<String>> labels) implements Result {
        Success {
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }

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
    private final List<SignedTokenBackend> signedTokens;
    private final LoginThrottle throttle;
    private final LoginThrottle signedTokenThrottle;
    private final List<LoginBackend> backends;
    private final IssuerMetrics metrics;
    private final Map<String, CompletableFuture<Result>> inFlight = new ConcurrentHashMap<>();

    Authenticator(UserStore users, List<SignedTokenBackend> signedTokens, LoginThrottle throttle) {
        this(users, signedTokens, throttle, List.of(), new IssuerMetrics());
    }

    /** {@code throttle} guards passwords; signed tokens get its {@linkplain LoginThrottle#perAddressOnly per-address} twin. */
    Authenticator(UserStore users, List<SignedTokenBackend> signedTokens, LoginThrottle throttle,
                  List<LoginBackend> backends, IssuerMetrics metrics) {
        this.users = users;
        this.signedTokens = List.copyOf(signedTokens);
        this.throttle = throttle;
        this.signedTokenThrottle = throttle.perAddressOnly();
        this.backends = List.copyOf(backends);
        this.metrics = metrics;
    }

    boolean anonymousAllowed() {
        return users.anonymousAllowed();
    }

    /** A static user's labels as configured now (refresh grants re-read them), or those of anonymous for "". */
    Map<String, List<String>> staticLabels(String account) {
        return users.labels(account);
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
        if (CredentialKind.of(username, password, address, signedTokens) instanceof CredentialKind.SignedToken token) {
            return checkSignedToken(token, username, address);
        }
        return checkPassword(username, password, address);
    }

    /** One verifier, the per-address throttle only, and one log line when refused. */
    private Result checkSignedToken(CredentialKind.SignedToken kind, String username, String address) {
        String claimed = kind.claimedAccount();
        Duration wait = signedTokenThrottle.acquire(claimed, address);
        if (!wait.isZero()) {
            return throttled(claimed, address, wait);
        }
        SignedTokenBackend backend = kind.backend();
        long started = System.nanoTime();
        SignedTokenResult r;
        try {
            r = backend.verify(username, kind.token(), address);
        } catch (RuntimeException e) {
            // A verifier's bug fails this login closed like an outage; the message is not logged in case it quotes the token.
            r = new SignedTokenResult.Unavailable("unexpected " + e.getClass().getName());
        }
        if (r instanceof SignedTokenResult.Verified v) {
            metrics.login(backend.name(), "allowed", since(started));
            signedTokenThrottle.succeeded(claimed, address);
            // Not refreshable: a refresh could not re-check the token.
            return new Success(v.account(), false, v.labels());
        }
        if (r instanceof SignedTokenResult.Unavailable u) {
            metrics.login(backend.name(), "error", since(started));
            logUnavailable(backend.name(), claimed, address, u.detail());
            signedTokenThrottle.abandoned(claimed, address);
            return new Unavailable();
        }
        metrics.login(backend.name(), "denied", since(started));
        signedTokenThrottle.failed(claimed, address);
        SignedTokenResult.Refused refused = (SignedTokenResult.Refused) r;
        LOG.log(System.Logger.Level.INFO, "{0}: token refused: {1}reason={2} account={3} address={4}",
                backend.name(), refused.issuer().map(i -> "issuer=" + i + " ").orElse(""), refused.reason(),
                Scopes.printable(claimed), address);
        return new Failure();
    }

    private Result throttled(String account, String address, Duration wait) {
        metrics.login("throttle", "throttled", Duration.ZERO);
        LOG.log(System.Logger.Level.INFO, "login throttled: account={0} address={1}", Scopes.printable(account), address);
        return new Throttled(wait);
    }

    private static void logUnavailable(String backend, String account, String address, String detail) {
        LOG.log(System.Logger.Level.WARNING, "login refused, backend unavailable: backend={0} account={1} address={2} error={3}",
                backend, Scopes.printable(account), address, detail);
    }

    private Result checkPassword(String username, String password, String address) {
        Duration wait = throttle.acquire(username, address);
        if (!wait.isZero()) {
            return throttled(username, address, wait);
        }
        boolean settled = false;
        try {
            LoginResult.Outcome outcome = LoginResult.Outcome.NO_MATCH;
            if (!username.isEmpty() && (users.exists(username) || backends.isEmpty())) {
                // With no later backend an unknown name still pays one bcrypt (against a dummy hash), so the answer
                // time does not tell which names exist.
                long started = System.nanoTime();
                boolean ok = users.check(username, password);
                outcome = ok ? LoginResult.Outcome.ALLOWED : LoginResult.Outcome.DENIED;
                metrics.login("users", ok ? "allowed" : "denied", since(started));
                if (ok) {
                    throttle.succeeded(username, address);
                    settled = true;
                    return new Success(username, true, users.labels(username));
                }
            }
            String decidedBy = "users";
            for (int i = 0; i < backends.size() && outcome == LoginResult.Outcome.NO_MATCH && !username.isEmpty(); i++) {
                LoginBackend backend = backends.get(i);
                long started = System.nanoTime();
                LoginResult r;
                try {
                    r = backend.authenticate(username, password, address);
                } catch (RuntimeException e) {
                    // A backend's bug fails this login closed like an outage; the exception's message is not logged
                    // in case it quotes its input.
                    r = LoginResult.error("unexpected " + e.getClass().getName());
                }
                metrics.login(backend.name(), r.outcome().name().toLowerCase(java.util.Locale.ROOT), since(started));
                outcome = r.outcome();
                decidedBy = backend.name();
                if (outcome == LoginResult.Outcome.ALLOWED) {
                    throttle.succeeded(username, address);
                    settled = true;
                    return new Success(username, false, r.labels());
                }
                if (outcome == LoginResult.Outcome.ERROR) {
                    logUnavailable(backend.name(), username, address, r.detail());
                    throttle.abandoned(username, address);
                    settled = true;
                    return new Unavailable();
                }
            }
            throttle.failed(username, address);
            settled = true;
            LOG.log(System.Logger.Level.INFO, "login failed: account={0} address={1} backend={2}", Scopes.printable(username), address,
                    outcome == LoginResult.Outcome.NO_MATCH ? "(no backend knows the account)" : decidedBy);
            return new Failure();
        } finally {
            if (!settled) {
                throttle.abandoned(username, address);
            }
        }
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
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
