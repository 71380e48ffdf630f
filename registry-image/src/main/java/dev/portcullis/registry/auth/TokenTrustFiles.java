package dev.portcullis.registry.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.portcullis.registry.auth.token.PemFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code auth.token.rootcertbundle} and {@code auth.token.jwks} into a {@link TokenTrust}. The bytes are read
 * first and fingerprinted, so a reload that finds the same content does not parse again.
 */
public final class TokenTrustFiles {
    private final Optional<Path> bundle;
    private final Optional<Path> jwks;
    private final Duration overlap;

    /** What the files held at one read. */
    public record Content(String fingerprint, byte[] bundle, byte[] jwks) {}

    /** A file that cannot be used; the message names the config key and the problem, never key material. */
    public static final class Unusable extends Exception {
        private final String key;

        Unusable(String key, String message) {
            super(message, null, false, false);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public TokenTrustFiles(TokenSettings settings) {
        this.bundle = settings.rootCertBundle();
        this.jwks = settings.jwks();
        this.overlap = settings.maxLifetime();
    }

    public Content read() throws Unusable {
        byte[] b = bundle.isPresent() ? bytes(bundle.get(), "auth.token.rootcertbundle") : new byte[0];
        byte[] j = jwks.isPresent() ? bytes(jwks.get(), "auth.token.jwks") : new byte[0];
        MessageDigest md = sha256();
        md.update(b);
        md.update((byte) 0);
        md.update(j);
        return new Content(HexFormat.of().formatHex(md.digest()), b, j);
    }

    public TokenTrust parse(Content content) throws Unusable {
        List<X509Certificate> roots = new ArrayList<>();
        if (bundle.isPresent()) {
            try {
                roots.addAll(PemFiles.parseCertificates(new String(content.bundle(), StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                throw new Unusable("auth.token.rootcertbundle", bundle.get() + ": " + e.getMessage());
            }
        }
        List<TokenTrust.JwksEntry> keys = new ArrayList<>();
        if (jwks.isPresent()) {
            try {
                for (JWK jwk : JWKSet.parse(new String(content.jwks(), StandardCharsets.UTF_8)).getKeys()) {
                    keys.add(entry(jwk));
                }
            } catch (ParseException | JOSEException e) {
                throw new Unusable("auth.token.jwks", jwks.get() + ": not a JWK set (" + e.getMessage() + ")");
            }
            if (keys.isEmpty()) {
                throw new Unusable("auth.token.jwks", jwks.get() + " holds no key");
            }
        }
        return TokenTrust.of(roots, keys, overlap);
    }

    private TokenTrust.JwksEntry entry(JWK jwk) throws Unusable, JOSEException {
        String name = jwk.getKeyID() == null ? "a key without kid" : "key " + jwk.getKeyID();
        if (!(jwk instanceof AsymmetricJWK asymmetric)) {
            throw new Unusable("auth.token.jwks", jwks.get() + ": " + name + " is not an RSA or EC public key");
        }
        PublicKey key = asymmetric.toPublicKey();
        X509Certificate cert = null;
        List<X509Certificate> chain = jwk.getParsedX509CertChain();
        if (chain != null && !chain.isEmpty()) {
            cert = chain.get(0);
            if (!cert.getPublicKey().equals(key)) {
                throw new Unusable("auth.token.jwks", jwks.get() + ": the x5c certificate of " + name + " holds another key");
            }
        }
        return new TokenTrust.JwksEntry(key, jwk.getKeyID(), cert);
    }

    private static byte[] bytes(Path file, String key) throws Unusable {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Unusable(key, "cannot read " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
