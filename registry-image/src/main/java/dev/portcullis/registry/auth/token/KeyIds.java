package dev.portcullis.registry.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.RSAKey;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;

/**
 * Key ids for the JWT header {@code kid}. Distribution 2.x looks trusted keys up by their libtrust key id;
 * Distribution 3 (go-jose) by their RFC 7638 JWK thumbprint. Both are pure functions of the public key, so the
 * issuer and the verifier compute the same id from a certificate bundle without exchanging anything else.
 */
public final class KeyIds {
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private KeyIds() {
    }

    /**
     * libtrust's {@code keyIDFromCryptoKey}: SHA-256 of the DER SubjectPublicKeyInfo, the first 240 bits,
     * base32 without padding (48 characters), in 12 groups of 4 joined by ':'.
     */
    public static String libtrust(PublicKey key) {
        byte[] digest = sha256(key.getEncoded());
        String b32 = base32(Arrays.copyOf(digest, 30));
        StringBuilder sb = new StringBuilder(59);
        for (int i = 0; i < b32.length(); i += 4) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(b32, i, i + 4);
        }
        return sb.toString();
    }

    /** RFC 7638 JWK thumbprint (SHA-256, base64url without padding) of an RSA or EC public key. */
    public static String thumbprint(PublicKey key) {
        try {
            if (key instanceof RSAPublicKey rsa) {
                return new RSAKey.Builder(rsa).build().computeThumbprint().toString();
            }
            if (key instanceof ECPublicKey ec) {
                return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build().computeThumbprint().toString();
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot compute the JWK thumbprint: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm() + " (RSA or EC expected)");
    }

    /** RFC 4648 base32, upper case, no padding; the input length here is a multiple of 5 bytes. */
    static String base32(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
