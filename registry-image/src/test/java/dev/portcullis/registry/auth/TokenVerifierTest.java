package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.KeyIds;
import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.testsupport.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier's own rules, with fixed clocks: JWKS key ids as Keycloak writes them, the rotation overlap, settings. */
class TokenVerifierTest {
    private static final String ISSUER = "unit-issuer";
    private static final String SERVICE = "unit-registry";
    private static final Duration MAX = Duration.ofHours(1);

    @TempDir
    Path dir;

    /**
     * Keycloak's docker-v2 tokens carry the libtrust form of the key as kid, while its JWKS lists the key under
     * Keycloak's own kid: the key is found under all three ids.
     */
    @Test
    void jwksKeysAreFoundByDeclaredKidLibtrustIdAndThumbprint() throws Exception {
        KeyPair rsa = TestPki.keyPair(TestPki.Alg.RSA);
        Path jwks = Files.writeString(dir.resolve("jwks.json"), new JWKSet(new RSAKey.Builder((RSAPublicKey) rsa.getPublic())
                .keyID("kc-4f9a1b").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).build()).toString(true));
        TokenSettings settings = settings(Map.of("jwks", jwks.toString()));
        TokenTrustFiles files = new TokenTrustFiles(settings);
        TokenTrust trust = files.parse(files.read());
        Instant now = Instant.now();
        TokenVerifier verifier = verifier(() -> trust, now);
        for (String kid : List.of("kc-4f9a1b", KeyIds.libtrust(rsa.getPublic()), KeyIds.thumbprint(rsa.getPublic()))) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims(now, now.plusSeconds(300)));
            jwt.sign(new RSASSASigner(rsa.getPrivate()));
            assertEquals("alice", verifier.verify(jwt.serialize()).subject(), "kid " + kid);
        }
        SignedJWT other = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("kc-other").build(), claims(now, now.plusSeconds(300)));
        other.sign(new RSASSASigner(rsa.getPrivate()));
        assertEquals("token signed by an untrusted key",
                assertThrows(TokenVerifier.Invalid.class, () -> verifier.verify(other.serialize())).getMessage());
    }

    /**
     * A key that leaves the bundle stays trusted for maxlifetime after it left, and not a second longer; a root that
     * leaves likewise for x5c chains. Tokens signed just before a rotation stay valid until they expire.
     */
    @Test
    void aKeyThatLeftTheBundleIsTrustedForTheOverlapOnly() throws Exception {
        TestPki oldCa = new TestPki(dir.resolve("old"), "old-ca");
        TestPki newCa = new TestPki(dir.resolve("new"), "new-ca");
        TestPki.Issued oldSigner = oldCa.signing(dir.resolve("old"), "token-signer", TestPki.Alg.EC);
        TestPki.Issued newSigner = newCa.signing(dir.resolve("new"), "token-signer", TestPki.Alg.EC);
        Instant rotation = Instant.now();
        // Pinned layout: the bundle is the signing certificate itself, found by kid.
        TokenTrust pinned = TokenTrust.of(List.of(oldSigner.certificate()), List.of(), MAX)
                .successor(TokenTrust.of(List.of(newSigner.certificate()), List.of(), MAX), rotation);
        String signedJustBefore = sign(oldSigner, false, rotation.minusSeconds(1), rotation.plus(MAX).minusSeconds(1));
        assertEquals("alice", verifier(() -> pinned, rotation.plus(MAX).minusSeconds(2)).verify(signedJustBefore).subject());
        String signedAfterTheOverlap = sign(oldSigner, false, rotation.plus(MAX), rotation.plus(MAX).plusSeconds(300));
        assertEquals("token signed by an untrusted key", assertThrows(TokenVerifier.Invalid.class,
                () -> verifier(() -> pinned, rotation.plus(MAX).plusSeconds(1)).verify(signedAfterTheOverlap)).getMessage());

        // CA layout: the bundle is the signing CA; x5c chains lead to it.
        TokenTrust roots = TokenTrust.of(List.of(oldCa.caCert()), List.of(), MAX)
                .successor(TokenTrust.of(List.of(newCa.caCert()), List.of(), MAX), rotation);
        String chainedJustBefore = sign(oldSigner, true, rotation.minusSeconds(1), rotation.plusSeconds(900));
        assertEquals("alice", verifier(() -> roots, rotation.plusSeconds(600)).verify(chainedJustBefore).subject());
        String chainedAfter = sign(oldSigner, true, rotation.plus(MAX), rotation.plus(MAX).plusSeconds(300));
        assertEquals("x5c chain does not lead to a trusted root", assertThrows(TokenVerifier.Invalid.class,
                () -> verifier(() -> roots, rotation.plus(MAX).plusSeconds(1)).verify(chainedAfter)).getMessage());
        assertEquals("alice", verifier(() -> roots, rotation.plus(MAX).plusSeconds(1))
                .verify(sign(newSigner, true, rotation.plus(MAX), rotation.plus(MAX).plusSeconds(300))).subject());

        // A second reload does not restart the overlap of what had already left.
        TokenTrust later = roots.successor(TokenTrust.of(List.of(newCa.caCert()), List.of(), MAX), rotation.plusSeconds(1800));
        assertThrows(TokenVerifier.Invalid.class,
                () -> verifier(() -> later, rotation.plus(MAX).plusSeconds(1)).verify(chainedAfter));
    }

    /** A signing certificate past its notAfter signs nothing, pinned or chained (Go's verification checks dates too). */
    @Test
    void anExpiredSigningCertificateIsRefusedWithItsReason() throws Exception {
        TestPki ca = new TestPki(dir.resolve("dates"), "dates-ca");
        TestPki.Issued signer = ca.signing(dir.resolve("dates"), "token-signer", TestPki.Alg.EC);
        Instant later = signer.certificate().getNotAfter().toInstant().plusSeconds(3600);
        String token = sign(signer, true, later, later.plusSeconds(300));
        TokenTrust pinned = TokenTrust.of(List.of(signer.certificate()), List.of(), MAX);
        assertEquals("x5c signing certificate is outside its validity period", assertThrows(TokenVerifier.Invalid.class,
                () -> verifier(() -> pinned, later).verify(token)).getMessage());
        TokenTrust chained = TokenTrust.of(List.of(ca.caCert()), List.of(), MAX);
        assertEquals("x5c chain holds a certificate outside its validity period", assertThrows(TokenVerifier.Invalid.class,
                () -> verifier(() -> chained, later).verify(token)).getMessage());
        assertEquals("alice", verifier(() -> chained, Instant.now()).verify(sign(signer, true, Instant.now(),
                Instant.now().plusSeconds(300))).subject());
    }

    @Test
    void settingsAreCheckedOnceWithTheKeyNamed() {
        assertEquals(Duration.ofHours(1), settings(Map.of("rootcertbundle", "/b.pem")).maxLifetime());
        assertEquals(Duration.ofMinutes(15), settings(Map.of("rootcertbundle", "/b.pem", "maxlifetime", "15m")).maxLifetime());
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("rootcertbundle", "/b.pem", "maxlifetime", "soon"),
                Map.of("rootcertbundle", "/b.pem", "maxlifetime", "30s"), Map.of("rootcertbundle", "/b.pem", "signers", List.of("")))) {
            ConfigException e = assertThrows(ConfigException.class, () -> settings(bad));
            assertTrue(e.getMessage().startsWith("auth.token.maxlifetime:") || e.getMessage().startsWith("auth.token.signers:"),
                    e.getMessage());
        }
    }

    private static TokenSettings settings(Map<String, Object> token) {
        StringBuilder yaml = new StringBuilder("auth:\n  token:\n    realm: https://auth/token\n    service: " + SERVICE
                + "\n    issuer: " + ISSUER + "\n");
        token.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(v instanceof List<?> l
                ? l.stream().map(x -> "\"" + x + "\"").toList().toString() : v).append('\n'));
        return TokenSettings.from(ConfigTree.parse(yaml.toString(), "test"));
    }

    private static TokenVerifier verifier(java.util.function.Supplier<TokenTrust> trust, Instant now) {
        return new TokenVerifier(ISSUER, SERVICE, trust, new TokenSignerPolicy(java.util.Set.of()), TokenVerifier.ASYMMETRIC,
                MAX, Duration.ofSeconds(60), Clock.fixed(now, ZoneOffset.UTC));
    }

    private static String sign(TestPki.Issued key, boolean x5c, Instant iat, Instant exp) throws Exception {
        JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.ES256);
        if (x5c) {
            h.x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode(key.certificate().getEncoded())));
        } else {
            h.keyID(KeyIds.libtrust(key.certificate().getPublicKey()));
        }
        SignedJWT jwt = new SignedJWT(h.build(), claims(iat, exp));
        jwt.sign(new ECDSASigner((ECPrivateKey) key.keyPair().getPrivate()));
        return jwt.serialize();
    }

    private static JWTClaimsSet claims(Instant iat, Instant exp) {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(SERVICE).subject("alice").issueTime(Date.from(iat))
                .expirationTime(Date.from(exp)).claim("access", List.of()).build();
    }
}
