package dev.portcullis.registry.authserver;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.testsupport.TestPki;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.http.Ssl;
import no.nav.security.mock.oauth2.http.SslKeystore;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A real OpenID provider for the federation tests: NAV's mock-oauth2-server (discovery document, JWKS, signed ID
 * tokens with the claims a test chooses), served over HTTPS with a certificate from the test CA, as a CI provider
 * is. {@link #rotate} replaces the issuer's signing key: from then on its JWKS serves only the new key and its tokens
 * carry the new kid, as after a provider's key rotation. The library has no rotation call, so the key is swapped in
 * its key map; a restart on the same port is not possible (its server socket does not reuse the address).
 */
final class TestOpenIdProvider implements AutoCloseable {
    static final String ISSUER_ID = "ci";

    private final TestPki.Issued tls;
    private final TestPki pki;
    private MockOAuth2Server server;
    private KeyProvider keys;

    TestOpenIdProvider(TestPki pki, Path dir) throws Exception {
        this(pki, dir, false);
    }

    /**
     * {@code interactiveLogin}: the authorization endpoint shows the library's sign-in form (a user name and a claims
     * JSON, which go into the ID token) instead of signing in at once, for tests that drive a browser through it.
     */
    TestOpenIdProvider(TestPki pki, Path dir, boolean interactiveLogin) throws Exception {
        this.pki = pki;
        this.tls = pki.server(dir, "oidc-provider-tls");
        RSAKey key = new RSAKeyGenerator(2048).keyID("key-1").generate();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        keys = new KeyProvider(List.of(key));
        ks.setKeyEntry("tls", tls.keyPair().getPrivate(), "changeit".toCharArray(), new Certificate[] {tls.certificate(), pki.caCert()});
        OAuth2Config config = new OAuth2Config(interactiveLogin, null, null, false,
                new OAuth2TokenProvider(keys), Set.of(),
                new MockWebServerWrapper(new Ssl(new SslKeystore("changeit", ks))));
        server = new MockOAuth2Server(config);
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        // Its first answer (class loading, TLS set-up) can take seconds on a loaded machine: take it here.
        IssuerFixture.get(IssuerFixture.client(pki.caFile()), server.wellKnownUrl(ISSUER_ID).toString(), null);
    }

    /** The issuer URL (https://localhost:PORT/ci). */
    String issuer() {
        return server.issuerUrl(ISSUER_ID).toString();
    }

    String issuer(String issuerId) {
        return server.issuerUrl(issuerId).toString();
    }

    /** The kid of the issuer's current key (the library names an initial key after the issuer id). */
    String kid() {
        return keys.signingKey(ISSUER_ID).getKeyID();
    }

    RSAKey signingKey() {
        return (RSAKey) keys.signingKey(ISSUER_ID);
    }

    /** An ID token from {@code issuerId} with {@code claims}, valid for {@code expirySeconds} (negative: already expired). */
    String token(String issuerId, String subject, String audience, Map<String, Object> claims, long expirySeconds) {
        SignedJWT jwt = server.issueToken(issuerId, "ci-client",
                new DefaultOAuth2TokenCallback(issuerId, subject, "JWT", List.of(audience), claims, expirySeconds));
        return jwt.serialize();
    }

    /** Replaces the signing key of {@link #ISSUER_ID}: the JWKS now holds only the new key. */
    @SuppressWarnings("unchecked")
    void rotate(String newKid) throws Exception {
        RSAKey next = new RSAKeyGenerator(2048).keyID(newKid).generate();
        java.lang.reflect.Field f = KeyProvider.class.getDeclaredField("signingKeys");
        f.setAccessible(true);
        ((java.util.Map<String, com.nimbusds.jose.jwk.JWK>) f.get(keys)).put(ISSUER_ID, next);
    }

    /** The paths requested from the provider since the last call (the server records every request). */
    List<String> takeRequestPaths() {
        List<String> paths = new java.util.ArrayList<>();
        while (true) {
            okhttp3.mockwebserver.RecordedRequest r;
            try {
                r = server.takeRequest(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                return paths; // the library's "no request within the timeout"
            }
            if (r == null) {
                return paths;
            }
            paths.add(r.getPath());
        }
    }

    @Override
    public void close() {
        server.shutdown();
    }
}
