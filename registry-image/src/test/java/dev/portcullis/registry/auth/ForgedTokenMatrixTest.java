package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.KeyIds;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25's attack, against started registries over HTTP: the token bundle is the CA that also issues every TLS
 * certificate of the installation (the registry's and the issuer's server certificates, the operator's probe
 * certificate, the nodes' and the CI's client certificates). A token signed by any of those keys, with its certificate
 * as {@code x5c} and every right on a victim repository, is refused; so are tokens valid for 10^10 s or without exp;
 * only the token signer's key is accepted. The refusal reason reaches the log, the token never does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForgedTokenMatrixTest {
    private static final String SERVICE = "forgery-registry";
    private static final String ISSUER = "forgery-issuer";
    private static final String VICTIM = "victim/prod";

    @TempDir
    static Path dir;

    TestPki pki;
    TestPki.Issued signer;
    Map<String, TestPki.Issued> tlsCertificates = new LinkedHashMap<>();
    TestPki.Issued intermediateCa;
    TestPki.Issued sharedIssuerDefault;
    KeyPair caKey;
    RunningRegistry unsafeLayout;
    RunningRegistry namedSigner;
    /** Held: JUL keeps loggers weakly, and one without a strong reference may be collected with its handler. */
    final Logger authorizerLog = Logger.getLogger(TokenAuthorizer.class.getName());
    final List<LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    void start() throws Exception {
        Path certs = dir.resolve("pki");
        pki = new TestPki(certs, "cluster");
        Instant tomorrow = Instant.now().plus(Duration.ofDays(1));
        tlsCertificates.put("registry TLS server certificate", pki.issue(certs, "registry", TestPki.Alg.EC, TestPki.Purpose.TLS_SERVER, tomorrow));
        tlsCertificates.put("token issuer TLS server certificate", pki.issue(certs, "auth-server", TestPki.Alg.EC, TestPki.Purpose.TLS_SERVER, tomorrow));
        tlsCertificates.put("operator probe client certificate", pki.issue(certs, "portcullis-probe", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT, tomorrow));
        tlsCertificates.put("nodes client certificate", pki.issue(certs, "system:nodes", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT, tomorrow));
        tlsCertificates.put("CI client certificate", pki.issue(certs, "ci-pipeline", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT, tomorrow));
        intermediateCa = pki.issue(certs, "intermediate-ca", TestPki.Alg.EC, TestPki.Purpose.INTERMEDIATE_CA, tomorrow);
        sharedIssuerDefault = pki.issue(certs, "other-team-app", TestPki.Alg.EC, TestPki.Purpose.CERT_MANAGER_DEFAULT, tomorrow);
        signer = pki.issue(certs, "token-signer", TestPki.Alg.EC, TestPki.Purpose.TOKEN_SIGNING, tomorrow);
        caKey = pki.caKeyPair();
        unsafeLayout = RunningRegistry.start(dir.resolve("unsafe"), tokenAuth(""));
        namedSigner = RunningRegistry.start(dir.resolve("named"), tokenAuth("    signers: [\"token-signer\"]\n"));
        authorizerLog.addHandler(capture);
    }

    @AfterAll
    void stop() {
        authorizerLog.removeHandler(capture);
        unsafeLayout.close();
        namedSigner.close();
    }

    private String tokenAuth(String extra) {
        return """
                auth:
                  token:
                    realm: https://127.0.0.1:1/auth
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(SERVICE, ISSUER, pki.caFile()) + extra;
    }

    @Test
    void everyTlsCertificateOfTheCaIsRefusedAsATokenSigner() throws Exception {
        for (Map.Entry<String, TestPki.Issued> c : tlsCertificates.entrySet()) {
            String forged = forge(c.getValue().keyPair(), List.of(c.getValue().certificate()), null, fullAccessClaims(Duration.ofMinutes(5)));
            String usage = c.getValue().certificate().getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1") ? "serverAuth" : "clientAuth";
            for (RunningRegistry registry : List.of(unsafeLayout, namedSigner)) {
                assertRefused(registry, forged, c.getKey(), "is a TLS certificate (extended key usage " + usage + ")");
            }
        }
    }

    @Test
    void aCaCertificateAndTheCaKeyItselfAreRefused() throws Exception {
        String byIntermediate = forge(intermediateCa.keyPair(), List.of(intermediateCa.certificate()), null,
                fullAccessClaims(Duration.ofMinutes(5)));
        assertRefused(unsafeLayout, byIntermediate, "intermediate CA as signer", "is a CA certificate");
        // The bundle's own certificate is "pinned": a kid naming it is looked up directly, without x5c.
        String byRoot = forge(caKey, null, KeyIds.libtrust(caKey.getPublic()), fullAccessClaims(Duration.ofMinutes(5)));
        assertRefused(unsafeLayout, byRoot, "the CA key by kid", "keyUsage lacks digitalSignature");
    }

    @Test
    void overlongAndEndlessTokensOfTheRealSignerAreRefused() throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet farFuture = claims(now, now.plusSeconds(10_000_000_000L));
        assertRefused(unsafeLayout, forge(signer.keyPair(), List.of(signer.certificate()), null, farFuture),
                "exp 10^10 s ahead", "exceeds auth.token.maxlifetime (3600s)");
        JWTClaimsSet noIat = new JWTClaimsSet.Builder(farFuture).issueTime(null).build();
        assertRefused(unsafeLayout, forge(signer.keyPair(), List.of(signer.certificate()), null, noIat),
                "exp 10^10 s ahead without iat", "beyond auth.token.maxlifetime (3600s)");
        // An iat in the future does not stretch the window: exp - now counts too.
        JWTClaimsSet lateIat = new JWTClaimsSet.Builder(farFuture).issueTime(Date.from(now.plusSeconds(10_000_000_000L - 60))).build();
        assertRefused(unsafeLayout, forge(signer.keyPair(), List.of(signer.certificate()), null, lateIat),
                "iat just before a far exp", "beyond auth.token.maxlifetime (3600s)");
        JWTClaimsSet noExp = new JWTClaimsSet.Builder(farFuture).expirationTime(null).build();
        assertRefused(unsafeLayout, forge(signer.keyPair(), List.of(signer.certificate()), null, noExp),
                "no exp", "token has no expiry (exp)");
    }

    @Test
    void onlyTheTokenSignerIsAccepted() throws Exception {
        for (RunningRegistry registry : List.of(unsafeLayout, namedSigner)) {
            String token = forge(signer.keyPair(), List.of(signer.certificate()), null, fullAccessClaims(Duration.ofMinutes(59)));
            HttpResponse<byte[]> upload = send(registry, "POST", "/v2/" + VICTIM + "/blobs/uploads/", token);
            assertEquals(202, upload.statusCode(), new String(upload.body(), StandardCharsets.UTF_8));
            assertEquals(200, send(registry, "GET", "/v2/_catalog", token).statusCode());
        }
    }

    @Test
    void signersNamesTheSignerWhenTheCaAlsoIssuesCertificatesWithoutPurpose() throws Exception {
        String token = forge(sharedIssuerDefault.keyPair(), List.of(sharedIssuerDefault.certificate()), null,
                fullAccessClaims(Duration.ofMinutes(5)));
        assertRefused(namedSigner, token, "cert-manager default usages, other name", "is not one of auth.token.signers");
        // Without auth.token.signers such a certificate (digital signature, no EKU: cert-manager's default usages)
        // looks exactly like a signer: why the operator gives token signing a CA of its own and names the signer.
        assertEquals(202, send(unsafeLayout, "POST", "/v2/" + VICTIM + "/blobs/uploads/", token).statusCode());
    }

    /** Distribution 2.8.2 with the same bundle takes the nodes' forged token: what docs/security-model.md states. */
    @Test
    void distributionAcceptsTheSameForgery() throws Exception {
        assumeTrue(DistributionProcess.installed(), "docker-registry (Distribution) is not installed");
        TestPki.Issued nodes = tlsCertificates.get("nodes client certificate");
        try (DistributionProcess distribution = DistributionProcess.start(dir.resolve("distribution"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: ${ROOT}
                http:
                  addr: 127.0.0.1:${PORT}
                auth:
                  token:
                    realm: https://127.0.0.1:1/auth
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(SERVICE, ISSUER, pki.caFile()))) {
            String forged = forge(nodes.keyPair(), List.of(nodes.certificate()), null, fullAccessClaims(Duration.ofDays(365)));
            HttpResponse<byte[]> r = new RegistryHttp("http://" + distribution.hostPort())
                    .send("POST", "/v2/" + VICTIM + "/blobs/uploads/", new byte[0], "Authorization", "Bearer " + forged);
            assertEquals(202, r.statusCode(), "Distribution 2.8.2 accepts a nodes-signed, year-long token");
        }
    }

    private void assertRefused(RunningRegistry registry, String token, String what, String reason) throws Exception {
        logged.clear();
        for (String[] request : List.of(new String[] {"POST", "/v2/" + VICTIM + "/blobs/uploads/"},
                new String[] {"GET", "/v2/_catalog"}, new String[] {"DELETE", "/v2/" + VICTIM + "/manifests/latest"})) {
            HttpResponse<byte[]> r = send(registry, request[0], request[1], token);
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertEquals(401, r.statusCode(), what + ": " + request[0] + " " + request[1] + " " + body);
            assertEquals("UNAUTHORIZED", RegistryHttp.errorCode(r), what);
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").contains("error=\"invalid_token\""), what);
            assertTrue(body.contains(reason), what + ": the answer says why: " + body);
        }
        List<String> lines = logged.stream().filter(l -> l.getLevel() == Level.INFO).map(LogRecord::getMessage).toList();
        assertTrue(lines.stream().anyMatch(l -> l.contains(reason)), what + ": the reason is logged at info: " + lines);
        assertFalse(lines.stream().anyMatch(l -> l.contains(token) || l.contains(token.substring(token.lastIndexOf('.') + 1))),
                what + ": the token is never logged");
    }

    private static HttpResponse<byte[]> send(RunningRegistry registry, String method, String path, String token)
            throws Exception {
        return new RegistryHttp(registry.url()).send(method, path, method.equals("GET") ? null : new byte[0],
                "Authorization", "Bearer " + token);
    }

    private static JWTClaimsSet fullAccessClaims(Duration lifetime) {
        Instant now = Instant.now();
        return claims(now, now.plus(lifetime));
    }

    /** Every right on the victim repository and the catalog, as the attack in issue 25 asked for. */
    private static JWTClaimsSet claims(Instant iat, Instant exp) {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(SERVICE).subject("mallory")
                .issueTime(Date.from(iat)).notBeforeTime(Date.from(iat.minusSeconds(10))).expirationTime(Date.from(exp))
                .claim("access", List.of(
                        Map.of("type", "repository", "name", VICTIM, "actions", new ArrayList<>(List.of("pull", "push", "delete"))),
                        Map.of("type", "registry", "name", "catalog", "actions", new ArrayList<>(List.of("*")))))
                .build();
    }

    /** ES256 with {@code key}; the header carries {@code x5c} when given, else {@code kid}. */
    private static String forge(KeyPair key, List<X509Certificate> x5c, String kid, JWTClaimsSet claims) throws Exception {
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256);
        if (x5c != null) {
            List<Base64> chain = new ArrayList<>();
            for (X509Certificate c : x5c) {
                chain.add(Base64.encode(c.getEncoded()));
            }
            header.x509CertChain(chain);
        } else {
            header.keyID(kid);
        }
        SignedJWT jwt = new SignedJWT(header.build(), claims);
        jwt.sign(new ECDSASigner((ECPrivateKey) key.getPrivate()));
        return jwt.serialize();
    }
}
