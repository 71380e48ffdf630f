package dev.portcullis.registry.auth;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Builds the access decision point from the {@code auth} section, the way Distribution reads it. */
public final class AuthorizerFactory {
    /** Password checks one client address gets for one user before the lockout. */
    static final int PAIR_ATTEMPTS = 5;
    /** Password checks a user gets from all addresses together: higher, so one guesser cannot lock the user out. */
    static final int USER_ATTEMPTS = 50;
    /** The first lockout once a budget is spent; each further failure doubles it, up to 5 minutes. */
    static final Duration BASE_LOCKOUT = Duration.ofSeconds(1);
    private AuthorizerFactory() {}

    /** Checks password changes on {@code vertx}'s timer; bcrypt runs on {@code authWorkers}. */
    public static Authorizer create(ConfigTree tree, Vertx vertx, WorkerExecutor authWorkers, AuthMetrics metrics) {
        Set<String> schemes = new HashSet<>(tree.map("auth").keySet());
        schemes.remove("anonymous");
        if (schemes.contains("silly")) {
            throw new ConfigException("auth.silly", "Distribution's test-only scheme accepts any credentials; refused");
        }
        if (schemes.size() > 1) {
            throw new ConfigException("auth", "configure one scheme, not " + String.join(" and ", schemes.stream().sorted().toList()));
        }
        Authorizer base;
        if (schemes.isEmpty()) {
            base = Authorizer.OPEN;
        } else if (schemes.contains("htpasswd")) {
            base = htpasswd(tree, vertx, authWorkers, metrics);
        } else if (schemes.contains("token")) {
            base = token(tree, vertx, metrics);
        } else {
            throw new ConfigException("auth." + schemes.iterator().next(), "unknown auth scheme (htpasswd, token)");
        }
        if (tree.bool("auth.anonymous.pull", false)) {
            if (base == Authorizer.OPEN) {
                throw new ConfigException("auth.anonymous.pull", "needs auth.htpasswd or auth.token for the clients that push");
            }
            base = new AnonymousPull(base, tree.stringList("auth.anonymous.repositories"));
        }
        return new ClientCertificateIdentity(base, Set.copyOf(tree.stringList("http.tls.pullonly")));
    }

    /** How often the token trust files are compared with what is trusted: a rotation is live within this delay. */
    static final long TRUST_CHECK_MILLIS = 2000;

    private static Authorizer token(ConfigTree tree, Vertx vertx, AuthMetrics metrics) {
        TokenSettings settings = TokenSettings.from(tree);
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

    private static Authorizer htpasswd(ConfigTree tree, Vertx vertx, WorkerExecutor workers, AuthMetrics metrics) {
        String realm = tree.string("auth.htpasswd.realm")
                .orElseThrow(() -> new ConfigException("auth.htpasswd.realm", "missing"));
        String path = tree.string("auth.htpasswd.path")
                .orElseThrow(() -> new ConfigException("auth.htpasswd.path", "missing"));
        if (!Files.isRegularFile(Path.of(path))) {
            throw new ConfigException("auth.htpasswd.path", "cannot read file " + path);
        }
        Duration ttl = tree.duration("auth.htpasswd.cachettl", Duration.ofMinutes(5));
        CredentialCache cache = new CredentialCache(ttl, 10_000);
        HtpasswdFile file = new HtpasswdFile(Path.of(path), cache::clear);
        // Vert.x's own worker pool, not the bcrypt one: a flood of logins must not delay a revocation.
        vertx.setPeriodic(HtpasswdFile.CHECK_INTERVAL_MILLIS, id -> vertx.executeBlocking(() -> {
            file.refresh();
            return null;
        }, false));
        LoginThrottle throttle = new LoginThrottle(PAIR_ATTEMPTS, USER_ATTEMPTS, BASE_LOCKOUT, Duration.ofMinutes(5));
        List<String> pullOnly = tree.stringList("auth.htpasswd.pullonly");
        return new HtpasswdAuthorizer(realm, file, cache, throttle, Set.copyOf(pullOnly), workers, metrics);
    }
}
