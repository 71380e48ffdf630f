package dev.portcullis.registry.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server's one private key and certificate chain, handed to the TLS engine as they are. Vert.x's
 * {@code PemKeyCertOptions} would put them into a PKCS#12 KeyStore first, and JDK 17 protects every PKCS#12 key entry
 * with PBKDF2-HmacSHA256 x 10,000: about 400 ms of CPU at each start and each certificate reload, for a store that
 * never leaves memory. Server side only: it never offers a client certificate.
 */
public final class SingleCertificateKeyManager extends X509ExtendedKeyManager {
    static final String ALIAS = "server";

    private final PrivateKey key;
    private final X509Certificate[] chain;
    private final String keyType;

    public SingleCertificateKeyManager(PrivateKey key, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate for the private key");
        }
        this.key = key;
        this.chain = chain.toArray(X509Certificate[]::new);
        this.keyType = keyType(key.getAlgorithm());
    }

    /** The JDK names Ed25519 and Ed448 keys "EdDSA" when it asks for a key type; BouncyCastle's keys say the curve. */
    private static String keyType(String algorithm) {
        return switch (algorithm) {
            case "Ed25519", "Ed448" -> "EdDSA";
            default -> algorithm;
        };
    }

    /**
     * Whether the engine's requested key type is this key's. SunJSSE asks by key algorithm ("RSA", "EC", "EdDSA");
     * Netty's OpenSSL engine may add the issuer's signature algorithm ("EC_EC", "EC_RSA"), which only the static-ECDH
     * suites care about and neither engine enables: the key algorithm decides.
     */
    private boolean serves(String requested) {
        if (requested == null) {
            return false;
        }
        int separator = requested.indexOf('_');
        return (separator < 0 ? requested : requested.substring(0, separator)).equals(keyType);
    }

    @Override
    public String[] getServerAliases(String requested, Principal[] issuers) {
        return serves(requested) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String requested, Principal[] issuers, Socket socket) {
        return serves(requested) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String requested, Principal[] issuers, SSLEngine engine) {
        return serves(requested) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String[] getClientAliases(String requested, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] requested, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] requested, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
