package dev.portcullis.registry.authserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.TokenTrustReloader;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.SecretVolume;
import dev.portcullis.registry.testsupport.TestPki;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token-signing keys rotate under load without an outage (issue 25, item 7). A real issuer (auth-server) hands out a
 * token for every request and a real registry verifies each one, while cert-manager renews the signing certificate
 * and the kubelet swaps the Secret volumes of both: not one valid token is refused, the issuer switches keys without
 * a restart, and tokens signed just before a key left the registry's bundle stay valid after it left.
 */
class SigningKeyRotationTest {
    private static final String SCOPE = "repository:alice/app:pull";

    @TempDir
    Path dir;

    TestPki authTlsPki;
    /** Held: JUL keeps loggers weakly, and one without a strong reference may be collected with its handler. */
    final Logger reloaderLog = Logger.getLogger(TokenTrustReloader.class.getName());
    final List<String> reloads = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Handler trustReloads = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getMessage() != null && r.getMessage().startsWith("token trust reloaded")) {
                reloads.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() throws Exception {
        authTlsPki = new TestPki(dir.resolve("auth-tls"), "auth-tls");
        reloaderLog.addHandler(trustReloads);
    }

    @AfterEach
    void release() {
        reloaderLog.removeHandler(trustReloads);
    }

    /**
     * The operator's layout: the registry's bundle is the token-signing CA, tokens carry x5c. First a renewal under the
     * same CA (nothing changes for the registry), then a CA rotation done in the documented order: new CA added to
     * the bundle, signer renewed under it, old CA removed.
     */
    @Test
    void caLayoutRenewalAndCaRotationUnderLoad() throws Exception {
        TestPki ca1 = new TestPki(dir.resolve("ca1"), "token-ca-1");
        TestPki ca2 = new TestPki(dir.resolve("ca2"), "token-ca-2");
        SecretVolume signingSecret = new SecretVolume(dir.resolve("issuer-secret"));
        signingSecret.write(tlsSecret(ca1.signing(dir.resolve("ca1"), "token-signer", TestPki.Alg.EC), ca1));
        SecretVolume bundleSecret = new SecretVolume(dir.resolve("registry-bundle"));
        bundleSecret.write(Map.of("ca.crt", Files.readAllBytes(ca1.caFile())));

        try (AuthServer issuer = startIssuer(signingSecret, true);
             RunningRegistry registry = startRegistry("rootcertbundle: " + bundleSecret.file("ca.crt"))) {
            Load load = new Load(issuer, registry);
            load.start();
            try {
                Thread.sleep(1000);
                TestPki.Issued renewed = ca1.signing(dir.resolve("ca1"), "token-signer", TestPki.Alg.EC);
                signingSecret.write(tlsSecret(renewed, ca1));
                load.awaitTokens(t -> leaf(t).equals(renewed.certificate()), "the renewed signer");

                bundleSecret.write(Map.of("ca.crt", concat(ca1.caFile(), ca2.caFile())));
                awaitReload(1);
                List<String> signedByCa1 = load.fetchUnused(5);
                TestPki.Issued underCa2 = ca2.signing(dir.resolve("ca2"), "token-signer", TestPki.Alg.EC);
                signingSecret.write(tlsSecret(underCa2, ca2));
                load.awaitTokens(t -> leaf(t).equals(underCa2.certificate()), "the signer of the new CA");
                bundleSecret.write(Map.of("ca.crt", Files.readAllBytes(ca2.caFile())));
                awaitReload(2);
                for (String t : signedByCa1) {
                    assertEquals(200, load.verify(t), "signed under the old CA just before it left the bundle: valid until exp");
                }
                Thread.sleep(1000);
            } finally {
                load.stop();
            }
            load.assertNothingRefused(3);
        }
    }

    /**
     * Distribution's pinned layout with a JWKS, as Keycloak publishes: the registry knows keys, not a CA; tokens carry a
     * libtrust kid, the JWKS its own kids. The next key is published before the issuer signs with it, the old one
     * withdrawn after.
     */
    @Test
    void jwksLayoutKeyRotationUnderLoad() throws Exception {
        TestPki ca = new TestPki(dir.resolve("ca"), "keys");
        TestPki.Issued first = ca.signing(dir.resolve("ca"), "token-signer", TestPki.Alg.EC);
        SecretVolume signingSecret = new SecretVolume(dir.resolve("issuer-secret"));
        signingSecret.write(tlsSecret(first, ca));
        // Issued after the Secret is written: TestPki writes both to the same file names, as a renewal does.
        TestPki.Issued next = ca.signing(dir.resolve("ca"), "token-signer", TestPki.Alg.EC);
        SecretVolume jwksVolume = new SecretVolume(dir.resolve("registry-jwks"));
        jwksVolume.write(Map.of("jwks.json", jwks(Map.of("kc-first", first))));
        String nextKid = dev.portcullis.registry.auth.token.KeyIds.libtrust(next.certificate().getPublicKey());

        try (AuthServer issuer = startIssuer(signingSecret, false);
             RunningRegistry registry = startRegistry("jwks: " + jwksVolume.file("jwks.json"))) {
            Load load = new Load(issuer, registry);
            load.start();
            try {
                Thread.sleep(1000);
                jwksVolume.write(Map.of("jwks.json", jwks(Map.of("kc-first", first, "kc-next", next))));
                awaitReload(1);
                List<String> signedByFirst = load.fetchUnused(5);
                signingSecret.write(tlsSecret(next, ca));
                load.awaitTokens(t -> nextKid.equals(header(t).getKeyID()), "the next key");
                jwksVolume.write(Map.of("jwks.json", jwks(Map.of("kc-next", next))));
                awaitReload(2);
                for (String t : signedByFirst) {
                    assertEquals(200, load.verify(t), "signed by the withdrawn key just before: valid until exp");
                }
                Thread.sleep(1000);
            } finally {
                load.stop();
            }
            load.assertNothingRefused(2);
            // The issuer publishes what it signs with now.
            String published = IssuerFixture.get(load.issuerHttp, "https://127.0.0.1:" + issuer.port() + "/.well-known/jwks.json", null).body();
            assertTrue(published.contains(nextKid) && !published.contains(
                    dev.portcullis.registry.auth.token.KeyIds.libtrust(first.certificate().getPublicKey())), published);
        }
    }

    /** A renewal logs no client out: refresh tokens signed with the replaced key still verify; it is no longer published. */
    @Test
    void refreshTokensOfTheReplacedKeyStayValid() throws Exception {
        TestPki ca = new TestPki(dir.resolve("refresh"), "refresh-ca");
        TestPki.Issued first = ca.signing(dir.resolve("refresh"), "signer-1", TestPki.Alg.EC);
        TestPki.Issued next = ca.signing(dir.resolve("refresh"), "signer-2", TestPki.Alg.RSA);
        TokenIssuer issuer = new TokenIssuer(IssuerFixture.ISSUER, Duration.ofMinutes(5), Duration.ofHours(1),
                new SigningKey(first.keyPair().getPrivate(), List.of(first.certificate()), dev.portcullis.registry.auth.token.KidFormat.LIBTRUST),
                true, List.of(), dev.portcullis.registry.auth.token.KidFormat.LIBTRUST, java.time.Clock.systemUTC());
        String refresh = issuer.issueRefresh("alice", IssuerFixture.SERVICE, "v1");
        String firstKid = issuer.signingKey().keyId;
        issuer.useSigningKey(new SigningKey(next.keyPair().getPrivate(), List.of(next.certificate()),
                dev.portcullis.registry.auth.token.KidFormat.LIBTRUST));
        assertEquals(new TokenIssuer.Refresh("alice", "v1"), issuer.verifyRefresh(refresh, IssuerFixture.SERVICE));
        assertEquals(List.of(issuer.signingKey().keyId), List.copyOf(issuer.trustedKeys().keySet()), "only the new key is published");
        assertTrue(!firstKid.equals(issuer.signingKey().keyId));
        assertEquals(issuer.signingKey().keyId, header(issuer.issueAccess("alice", IssuerFixture.SERVICE, List.of()).token()).getKeyID());
    }

    /** Requests a token for every registry request, as a client does after each 401, and counts what the registry says. */
    final class Load {
        final AuthServer issuer;
        final RunningRegistry registry;
        final HttpClient issuerHttp;
        final HttpClient registryHttp = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger accepted = new AtomicInteger();
        final ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        final AtomicReference<String> lastToken = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        final Map<String, Boolean> keysSeen = new java.util.concurrent.ConcurrentHashMap<>();

        Load(AuthServer issuer, RunningRegistry registry) throws Exception {
            this.issuer = issuer;
            this.registry = registry;
            this.issuerHttp = IssuerFixture.client(authTlsPki.caFile());
        }

        void start() {
            for (int i = 0; i < 3; i++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        try {
                            String token = fetch();
                            lastToken.set(token);
                            keysSeen.put(signerOf(token), true);
                            int status = verify(token);
                            if (status == 200) {
                                accepted.incrementAndGet();
                            } else {
                                refused.add(status + " for a token of " + signerOf(token));
                            }
                        } catch (Exception e) {
                            refused.add(e.toString());
                        }
                    }
                }, "token-load-" + i);
                t.start();
                threads.add(t);
            }
        }

        String fetch() throws Exception {
            HttpResponse<String> r = IssuerFixture.get(issuerHttp, "https://127.0.0.1:" + issuer.port() + "/auth?service="
                    + IssuerFixture.SERVICE + "&scope=" + SCOPE, IssuerFixture.basic("alice", "alice-pw"));
            assertEquals(200, r.statusCode(), r.body());
            return new JsonObject(r.body()).getString("token");
        }

        List<String> fetchUnused(int n) throws Exception {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(fetch());
            }
            return out;
        }

        int verify(String token) throws Exception {
            return registryHttp.send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        void awaitTokens(Predicate<String> signedBy, String what) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                String t = lastToken.get();
                if (t != null && signedBy.test(t)) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("the issuer never signed with " + what + " without a restart");
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
        }

        void assertNothingRefused(int keys) {
            assertEquals(List.of(), List.copyOf(refused), "no valid token may be refused during the rotation");
            assertEquals(keys, keysSeen.size(), "the load ran with every key in turn: " + keysSeen.keySet());
            assertTrue(accepted.get() > 50, "the load really ran: " + accepted.get() + " tokens verified");
            System.out.println("rotation: " + accepted.get() + " tokens issued and verified, 0 refused, keys " + keysSeen.keySet());
        }
    }

    private void awaitReload(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (reloads.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(count, reloads.size(), "the registry reloads its token trust without a restart: " + reloads);
    }

    private AuthServer startIssuer(SecretVolume signing, boolean x5c) throws Exception {
        TestPki.Issued tls = authTlsPki.server(dir.resolve("auth-tls"), "auth-server");
        TestPki.Issued key = new TestPki.Issued(signing.file("tls.crt"), signing.file("tls.key"), null, null);
        Path config = IssuerFixture.writeConfig(dir.resolve("issuer"), tls, key, "x5c: " + x5c,
                IssuerFixture.usersAndAcl() + "throttle: {max_failures: 100000}\n");
        return AuthServer.start(AuthServerConfig.load(config));
    }

    private RunningRegistry startRegistry(String trust) throws Exception {
        return RunningRegistry.start(dir.resolve("registry"), """
                auth:
                  token:
                    realm: https://127.0.0.1:1/auth
                    service: %s
                    issuer: %s
                    %s
                """.formatted(IssuerFixture.SERVICE, IssuerFixture.ISSUER, trust));
    }

    /** A kubernetes.io/tls Secret as cert-manager writes it: tls.crt, tls.key, ca.crt. */
    private static Map<String, byte[]> tlsSecret(TestPki.Issued leaf, TestPki ca) throws Exception {
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("tls.crt", Files.readAllBytes(leaf.cert()));
        data.put("tls.key", Files.readAllBytes(leaf.key()));
        data.put("ca.crt", Files.readAllBytes(ca.caFile()));
        return data;
    }

    private static byte[] jwks(Map<String, TestPki.Issued> keys) {
        List<JWK> list = new ArrayList<>();
        keys.forEach((kid, k) -> list.add(new ECKey.Builder(Curve.P_256, (ECPublicKey) k.certificate().getPublicKey())
                .keyID(kid).keyUse(KeyUse.SIGNATURE).build()));
        return new JWKSet(list).toString(true).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(Path a, Path b) throws Exception {
        return (Files.readString(a) + Files.readString(b)).getBytes(StandardCharsets.US_ASCII);
    }

    private static JWSHeader header(String token) {
        try {
            return SignedJWT.parse(token).getHeader();
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }

    private static X509Certificate leaf(String token) {
        try {
            var x5c = header(token).getX509CertChain();
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(x5c.get(0).decode()));
        } catch (java.security.cert.CertificateException e) {
            throw new AssertionError(e);
        }
    }

    private static String signerOf(String token) {
        JWSHeader h = header(token);
        if (h.getX509CertChain() == null) {
            return "kid " + h.getKeyID();
        }
        X509Certificate leaf = leaf(token);
        return leaf.getIssuerX500Principal().getName() + " serial " + leaf.getSerialNumber().toString(16);
    }
}
