package dev.portcullis.registry.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import dev.portcullis.registry.auth.token.PemFiles;

/** A PEM private key from bytes, and whether it belongs to a certificate: what a TLS reload must check. */
public final class PemKeys {
    private PemKeys() {}

    public static PrivateKey privateKey(byte[] pem) throws IOException {
        return PemFiles.parsePrivateKey(new String(pem, StandardCharsets.US_ASCII));
    }

    /**
     * True when {@code key} is the private half of the certificate's public key. Where the key says what its public
     * half is (an RSA modulus; the public point an EC key's encoding carries, as OpenSSL, Go and cert-manager write
     * it; an Ed25519 key's optional public key), that is compared; otherwise a signature proves it. The comparison
     * costs microseconds where an ECDSA or RSA signature and its verification cost 50 to 150 ms of an interpreted
     * start, and a reload checks on every change.
     */
    public static boolean matches(X509Certificate cert, PrivateKey key) {
        PublicKey pub = cert.getPublicKey();
        if (key instanceof RSAPrivateKey rsa) {
            // The modulus names the key pair; the CRT form also holds the public exponent.
            return pub instanceof RSAPublicKey rsaPub && rsa.getModulus().equals(rsaPub.getModulus())
                    && (!(key instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(rsaPub.getPublicExponent()));
        }
        Optional<byte[]> carried = carriedPublicKey(key);
        if (carried.isPresent() && Arrays.equals(carried.get(), publicKeyBits(pub))) {
            return true;
        }
        // No public half in the key, or one encoded otherwise (a compressed point): the signature decides.
        return signatureVerifies(pub, key);
    }

    /** The public key an EC or Ed25519 private key's PKCS#8 encoding carries, when it carries one. */
    private static Optional<byte[]> carriedPublicKey(PrivateKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded == null) {
            return Optional.empty();
        }
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(encoded);
            ASN1BitString bits = key instanceof ECPrivateKey
                    ? org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getPublicKey()
                    : info.getPublicKeyData();
            return Optional.ofNullable(bits).map(ASN1BitString::getOctets);
        } catch (IOException | RuntimeException e) {
            // An encoding BouncyCastle does not read: the signature decides instead.
            return Optional.empty();
        }
    }

    private static byte[] publicKeyBits(PublicKey pub) {
        return SubjectPublicKeyInfo.getInstance(pub.getEncoded()).getPublicKeyData().getOctets();
    }

    private static boolean signatureVerifies(PublicKey pub, PrivateKey key) {
        String alg = switch (key.getAlgorithm()) {
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
