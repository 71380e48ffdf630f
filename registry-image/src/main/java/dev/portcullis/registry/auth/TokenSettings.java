package dev.portcullis.registry.auth;

import com.nimbusds.jose.JWSAlgorithm;
import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code auth.token} section, read once.
 *
 * @param maxLifetime {@code auth.token.maxlifetime}: no token may live longer (exp - iat, or exp - now); it is also how
 *                    long a key that left the bundle stays trusted, since no token it signed can outlive it
 * @param signers     {@code auth.token.signers}: when not empty, the subject CN or a DNS/URI SAN of the signing
 *                    certificate must be one of these
 */
public record TokenSettings(String realm, String service, String issuer, Optional<Path> rootCertBundle,
                            Optional<Path> jwks, Set<JWSAlgorithm> algorithms, Duration maxLifetime,
                            Set<String> signers) {
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(1);

    public static TokenSettings from(ConfigTree tree) {
        String realm = required(tree, "auth.token.realm");
        String service = required(tree, "auth.token.service");
        String issuer = required(tree, "auth.token.issuer");
        Optional<Path> bundle = tree.string("auth.token.rootcertbundle").map(Path::of);
        Optional<Path> jwks = tree.string("auth.token.jwks").map(Path::of);
        if (bundle.isEmpty() && jwks.isEmpty()) {
            throw new ConfigException("auth.token.rootcertbundle", "missing: tokens cannot be verified without trusted keys");
        }
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        for (String alg : tree.stringList("auth.token.signingalgorithms")) {
            JWSAlgorithm a = JWSAlgorithm.parse(alg);
            if (!TokenVerifier.ASYMMETRIC.contains(a)) {
                throw new ConfigException("auth.token.signingalgorithms", "'" + alg
                        + "' is refused: only asymmetric algorithms (RS*, PS*, ES*) can be verified safely");
            }
            algorithms.add(a);
        }
        Duration maxLifetime = tree.duration("auth.token.maxlifetime", DEFAULT_MAX_LIFETIME);
        if (maxLifetime.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new ConfigException("auth.token.maxlifetime", "must be at least 1m (clients treat shorter tokens as 60s)");
        }
        List<String> signers = tree.stringList("auth.token.signers");
        if (signers.stream().anyMatch(String::isBlank)) {
            throw new ConfigException("auth.token.signers", "an empty name would match nothing; remove it");
        }
        return new TokenSettings(realm, service, issuer, bundle, jwks,
                algorithms.isEmpty() ? TokenVerifier.ASYMMETRIC : Set.copyOf(algorithms), maxLifetime, Set.copyOf(signers));
    }

    private static String required(ConfigTree tree, String key) {
        return tree.string(key).orElseThrow(() -> new ConfigException(key, "missing"));
    }
}
