package dev.portcullis.registry.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import dev.portcullis.registry.auth.token.PemFiles;

/** A PEM private key from bytes, and whether it belongs to a certificate: what a TLS reload must check. */
public final class PemKeys {
    private PemKeys() {}

    public static PrivateKey privateKey(byte[] pem) throws IOException {
        return PemFiles.parsePrivateKey(new String(pem, StandardCharsets.US_ASCII));
    }

    /** True when {@code key} is the private half of the certificate's public key: a signature proves it. */
    public static boolean matches(X509Certificate cert, PrivateKey key) {
        PublicKey pub = cert.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null || !pub.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(challenge);
            return v.verify(sig);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }
}
