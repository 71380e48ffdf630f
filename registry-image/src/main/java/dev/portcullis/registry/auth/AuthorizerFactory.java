package dev.portcullis.registry.auth;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.portcullis.registry.auth.token.KeyIds;
import dev.portcullis.registry.auth.token.PemFiles;

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
            base = token(tree, metrics);
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

    private static Authorizer token(ConfigTree tree, AuthMetrics metrics) {
        String realm = required(tree, "auth.token.realm");
        String service = required(tree, "auth.token.service");
        String issuer = required(tree, "auth.token.issuer");
        java.util.List<java.security.cert.X509Certificate> roots = new java.util.ArrayList<>();
        java.util.Map<String, java.security.PublicKey> keys = new java.util.HashMap<>();
        tree.string("auth.token.rootcertbundle").ifPresent(bundle -> {
            try {
                roots.addAll(PemFiles.readCertificates(Path.of(bundle)));
            } catch (java.io.IOException e) {
                throw new ConfigException("auth.token.rootcertbundle", "cannot read " + bundle + ": " + e.getMessage());
            }
            if (roots.isEmpty()) {
                throw new ConfigException("auth.token.rootcertbundle", bundle + " holds no PEM certificate");
            }
            for (var cert : roots) {
                keys.put(KeyIds.libtrust(cert.getPublicKey()), cert.getPublicKey());
                keys.put(KeyIds.thumbprint(cert.getPublicKey()), cert.getPublicKey());
            }
        });
        tree.string("auth.token.jwks").ifPresent(jwks -> {
            try {
                for (var jwk : com.nimbusds.jose.jwk.JWKSet.load(Path.of(jwks).toFile()).getKeys()) {
                    java.security.PublicKey key = jwk instanceof com.nimbusds.jose.jwk.AsymmetricJWK a ? a.toPublicKey() : null;
                    if (key == null || jwk.getKeyID() == null) {
                        throw new ConfigException("auth.token.jwks", "every key needs a kid and a public key");
                    }
                    keys.put(jwk.getKeyID(), key);
                }
            } catch (java.io.IOException | java.text.ParseException | com.nimbusds.jose.JOSEException e) {
                throw new ConfigException("auth.token.jwks", "cannot read " + jwks + ": " + e.getMessage());
            }
        });
        if (keys.isEmpty()) {
            throw new ConfigException("auth.token.rootcertbundle", "missing: tokens cannot be verified without trusted keys");
        }
        Set<com.nimbusds.jose.JWSAlgorithm> algorithms = new HashSet<>();
        for (String alg : tree.stringList("auth.token.signingalgorithms")) {
            com.nimbusds.jose.JWSAlgorithm a = com.nimbusds.jose.JWSAlgorithm.parse(alg);
            if (!TokenVerifier.ASYMMETRIC.contains(a)) {
                throw new ConfigException("auth.token.signingalgorithms", "'" + alg
                        + "' is refused: only asymmetric algorithms (RS*, PS*, ES*) can be verified safely");
            }
            algorithms.add(a);
        }
        TokenVerifier verifier = new TokenVerifier(issuer, service, roots, keys,
                algorithms.isEmpty() ? TokenVerifier.ASYMMETRIC : algorithms, Duration.ofSeconds(60),
                java.time.Clock.systemUTC());
        return new TokenAuthorizer(realm, service, verifier, java.time.Clock.systemUTC(), metrics);
    }

    private static String required(ConfigTree tree, String key) {
        return tree.string(key).orElseThrow(() -> new ConfigException(key, "missing"));
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
