package dev.portcullis.registry.auth.token;

import com.nimbusds.jose.JWSAlgorithm;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/**
 * The JWS algorithm a key signs with. One algorithm per key, decided by the key and not by the token header,
 * so that a verifier never lets an attacker choose (the classic "alg" confusion); these are the algorithms
 * libtrust, and so Distribution 2.8, accepts.
 */
public final class TokenAlgorithms {
    private TokenAlgorithms() {
    }

    public static JWSAlgorithm forKey(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return JWSAlgorithm.RS256;
        }
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getOrder().bitLength();
            if (bits <= 256) {
                return JWSAlgorithm.ES256;
            }
            if (bits <= 384) {
                return JWSAlgorithm.ES384;
            }
            return JWSAlgorithm.ES512;
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm() + " (RSA or EC expected)");
    }
}
