package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import dev.portcullis.registry.auth.token.KidFormat;
import dev.portcullis.registry.auth.token.TokenAlgorithms;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.List;

/**
 * The key tokens are signed with, its certificate chain (leaf first, for the {@code x5c} header) and its key id.
 * Built once at start; the constructor proves the key belongs to the certificate, so a mismatched Secret fails
 * at start-up instead of producing tokens every registry refuses.
 */
final class SigningKey {
    final PrivateKey privateKey;
    final List<X509Certificate> chain;
    final JWSAlgorithm algorithm;
    final String keyId;
    final JWSSigner signer;

    SigningKey(PrivateKey privateKey, List<X509Certificate> chain, KidFormat kidFormat) throws GeneralSecurityException {
        this.privateKey = privateKey;
        this.chain = List.copyOf(chain);
        X509Certificate leaf = chain.get(0);
        this.algorithm = TokenAlgorithms.forKey(leaf.getPublicKey());
        this.keyId = kidFormat.keyId(leaf.getPublicKey());
        if (!matches(privateKey, leaf)) {
            throw new GeneralSecurityException("the private key does not belong to the certificate");
        }
        try {
            this.signer = privateKey instanceof ECPrivateKey ec ? new ECDSASigner(ec) : new RSASSASigner(privateKey);
        } catch (JOSEException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static boolean matches(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "portcullis key/certificate match".getBytes(StandardCharsets.US_ASCII);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        try {
            v.initVerify(cert.getPublicKey());
        } catch (java.security.InvalidKeyException e) {
            return false;
        }
        v.update(probe);
        return v.verify(sig);
    }
}
