package dev.portcullis.registry.auth;

import dev.portcullis.registry.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Clock;
import java.time.Duration;

/** Builds the access decision point from the {@code auth} section's settings. */
public final class AuthorizerFactory {
    /** Password checks one client address gets for one user before the lockout. */
    static final int PAIR_ATTEMPTS = 5;
    /** Password checks a user gets from all addresses together: higher, so one guesser cannot lock the user out. */
    static final int USER_ATTEMPTS = 50;
    /** The first lockout once a budget is spent; each further failure doubles it, up to 5 minutes. */
    static final Duration BASE_LOCKOUT = Duration.ofSeconds(1);
    private AuthorizerFactory() {}

    /** Checks password changes on {@code vertx}'s timer; bcrypt runs on {@code authWorkers}. */
    public static Authorizer create(AuthSettings settings, Vertx vertx, WorkerExecutor authWorkers, AuthMetrics metrics) {
        Authorizer base = Authorizer.OPEN;
        if (settings.htpasswd().isPresent()) {
            base = htpasswd(settings.htpasswd().get(), vertx, authWorkers, metrics);
        } else if (settings.token().isPresent()) {
            base = token(settings.token().get(), vertx, metrics);
        }
        if (settings.anonymousPull()) {
            base = new AnonymousPull(base, settings.anonymousRepositories());
        }
        return new ClientCertificateIdentity(base, settings.pullOnlyCertificates());
    }

    /** How often the token trust files are compared with what is trusted: a rotation is live within this delay. */
    static final long TRUST_CHECK_MILLIS = 2000;

    private static Authorizer token(TokenSettings settings, Vertx vertx, AuthMetrics metrics) {
        TokenTrustFiles files = new TokenTrustFiles(settings);
        TokenTrustFiles.Content content;
        TokenTrust trust;
        try {
            content = files.read();
            trust = files.parse(content);
        } catch (TokenTrustFiles.Unusable e) {
            throw new ConfigException(e.key(), e.getMessage());
        }
        Clock clock = Clock.systemUTC();
        TokenTrustReloader reloader = new TokenTrustReloader(vertx, files, content, trust, clock, TRUST_CHECK_MILLIS);
        if (!trust.currentCertificates().isEmpty()) {
            metrics.watchTokenSigningCertificates(() -> reloader.get().currentCertificates());
        }
        TokenVerifier verifier = new TokenVerifier(settings.issuer(), settings.service(), reloader,
                new TokenSignerPolicy(settings.signers()), settings.algorithms(), settings.maxLifetime(),
                Duration.ofSeconds(60), clock);
        return new TokenAuthorizer(settings.realm(), settings.service(), verifier, clock, metrics);
    }

    private static Authorizer htpasswd(HtpasswdSettings settings, Vertx vertx, WorkerExecutor workers,
                                       AuthMetrics metrics) {
        CredentialCache cache = new CredentialCache(settings.cacheTtl(), 10_000);
        HtpasswdFile file = new HtpasswdFile(settings.path(), cache::clear);
        // Vert.x's own worker pool, not the bcrypt one: a flood of logins must not delay a revocation.
        vertx.setPeriodic(HtpasswdFile.CHECK_INTERVAL_MILLIS, id -> vertx.executeBlocking(() -> {
            file.refresh();
            return null;
        }, false));
        LoginThrottle throttle = new LoginThrottle(PAIR_ATTEMPTS, USER_ATTEMPTS, BASE_LOCKOUT, Duration.ofMinutes(5));
        return new HtpasswdAuthorizer(settings.realm(), file, cache, throttle, settings.pullOnly(), workers, metrics);
    }
}
