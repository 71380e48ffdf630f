package dev.portcullis.registry.authserver;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.testsupport.TestPki;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static dev.portcullis.registry.authserver.IssuerFixture.basic;
import static dev.portcullis.registry.authserver.IssuerFixture.get;
import static dev.portcullis.registry.authserver.IssuerFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes authenticator against Fabric8's mock API server (expectation mode): a ServiceAccount token as the
 * password is sent in a TokenReview (a plain HTTPS POST, see {@link KubernetesApi}), and the account becomes what the
 * API server says.
 */
class KubernetesTokenReviewTest {
    /**
     * Shaped like ServiceAccount tokens (a JWS whose sub is system:serviceaccount:NS:NAME), so they are routed to the
     * TokenReview; the mock API server decides what they are worth.
     */
    static final String CI_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6YnVpbGRlciJ9.c2ln";
    static final String DEV_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGV2OmJ1aWxkZXIifQ.c2ln";
    static final String FORGED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6YWRtaW4ifQ.";

    static final String ISSUER_SA_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJpc3N1ZXIifQ.c2ln";

    KubernetesMockServer apiServer;
    KubernetesApi api;
    AuthServer server;
    HttpClient http;
    String url;
    volatile List<String> askedAudiences;
    volatile String askedWith;
    final java.util.concurrent.atomic.AtomicInteger reviews = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        apiServer = new KubernetesMockServer(false);
        apiServer.init();
        apiServer.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(201, request -> {
            reviews.incrementAndGet();
            askedWith = request.getHeader("Authorization");
            JsonObject asked = new JsonObject(request.getUtf8Body());
            JsonObject spec = asked.getJsonObject("spec");
            String token = spec.getString("token");
            askedAudiences = spec.containsKey("audiences") ? spec.getJsonArray("audiences").stream().map(String::valueOf).toList() : null;
            String user = token.equals(CI_TOKEN) ? "system:serviceaccount:ci:builder"
                    : token.equals(DEV_TOKEN) ? "system:serviceaccount:dev:builder" : null;
            // The API server's answer: the request with a status.
            JsonObject status = new JsonObject().put("authenticated", user != null)
                    .put("audiences", spec.getJsonArray("audiences"));
            if (user != null) {
                status.put("user", new JsonObject().put("username", user));
            }
            return asked.put("status", status).encode();
        }).always();

        TestPki pki = new TestPki(dir, "test");
        TestPki.Issued tls = pki.server(dir, "auth-tls");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, tls, signing, null, """
                kubernetes:
                  enabled: true
                  audiences: ["portcullis-test"]
                  namespaces: ["ci"]
                acl:
                  - match: {account: "system:serviceaccount:ci:*", name: "ci/*"}
                    actions: [pull, push]
                throttle: {max_failures: 1000}
                """);
        // The pod's environment as the kubelet stand-ins give it: the mock API server speaks plain HTTP.
        Path saToken = java.nio.file.Files.writeString(dir.resolve("sa-token"), ISSUER_SA_TOKEN + "\n");
        api = KubernetesApi.inCluster(Map.of("KUBERNETES_MASTER", apiServer.url("/"),
                "KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", saToken.toString()), dir.resolve("no-such-dir"));
        server = AuthServer.start(AuthServerConfig.load(config), api, Clock.systemUTC());
        http = IssuerFixture.client(pki.caFile());
        url = "https://127.0.0.1:" + server.port() + "/auth?service=" + SERVICE + "&scope=repository:ci/app:pull,push";
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (apiServer != null) {
            apiServer.destroy();
        }
    }

    @Test
    void serviceAccountTokenLogsInAsTheServiceAccount() throws Exception {
        // The Basic user name is whatever the CI tool needs to send; the identity comes from the TokenReview.
        HttpResponse<String> r = get(http, url, basic("ignored", CI_TOKEN));
        assertEquals(200, r.statusCode(), r.body());
        SignedJWT jwt = SignedJWT.parse(new JsonObject(r.body()).getString("token"));
        assertEquals("system:serviceaccount:ci:builder", jwt.getJWTClaimsSet().getSubject());
        assertEquals(List.of(new AccessEntry("repository", "ci/app", List.of("pull", "push"))),
                AccessEntry.fromClaimList(jwt.getJWTClaimsSet().getClaim("access")));
        assertEquals(List.of("portcullis-test"), askedAudiences, "kubernetes.audiences sent in the TokenReview");
        assertEquals("Bearer " + ISSUER_SA_TOKEN, askedWith, "the issuer's own ServiceAccount token authenticates the call");
    }

    @Test
    void rejectedTokensAndOtherNamespacesGetNoToken() throws Exception {
        assertEquals(401, get(http, url, basic("x", FORGED)).statusCode());
        assertEquals(401, get(http, url, basic("x", DEV_TOKEN)).statusCode(), "namespace not in kubernetes.namespaces");
    }

    @Test
    void noRefreshTokenForServiceAccounts() throws Exception {
        // A refresh could not re-check the ServiceAccount token, so none is issued.
        HttpResponse<String> r = post(http, url.substring(0, url.indexOf('?')), Map.of("grant_type", "password", "service", SERVICE,
                "access_type", "offline", "username", "builder", "password", CI_TOKEN));
        assertEquals(200, r.statusCode(), r.body());
        assertFalse(new JsonObject(r.body()).containsKey("refresh_token"));
    }

    @Test
    void unreachableApiServerIs503NotALoginFailure() throws Exception {
        apiServer.destroy();
        apiServer = null;
        HttpResponse<String> r = get(http, url, basic("x", CI_TOKEN));
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(!r.body().contains(CI_TOKEN), "token not echoed");
    }

    @Test
    void aServiceAccountLoginDoesNotResetTheFailuresOfTheUserNameItWasSentWith() {
        // Pair budget 3, account budget 3: alice's failures from anywhere count towards her lockout.
        LoginThrottle throttle = new LoginThrottle(3, 3, java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1), Clock.systemUTC());
        Authenticator authenticator = new Authenticator(new UserStore(Map.of("alice", IssuerFixture.hash("alice-pw"))),
                List.of(new KubernetesAuthenticator(api, List.of("portcullis-test"), List.of("ci"))), throttle);
        assertTrue(authenticator.login("alice", "guess-1", "10.0.0.1") instanceof Authenticator.Failure);
        assertTrue(authenticator.login("alice", "guess-2", "10.0.0.2") instanceof Authenticator.Failure);
        assertEquals(new Authenticator.Success("system:serviceaccount:ci:builder", false,
                        Map.of("namespace", List.of("ci"), "serviceaccount", List.of("builder"))),
                authenticator.login("alice", CI_TOKEN, "10.0.0.3"), "the guesser's own valid CI token, sent as alice");
        assertTrue(authenticator.login("alice", "guess-3", "10.0.0.4") instanceof Authenticator.Failure);
        assertTrue(authenticator.login("alice", "alice-pw", "10.0.0.5") instanceof Authenticator.Throttled,
                "alice's three failures still count: the ServiceAccount login proved nothing about her password");
    }

    @Test
    void outsideAPodTheIssuerRefusesToStartWithOneClearLine(@TempDir Path sa) throws Exception {
        dev.portcullis.registry.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.portcullis.registry.config.ConfigException.class, () -> KubernetesApi.inCluster(Map.of(), sa));
        assertTrue(e.getMessage().contains("KUBERNETES_SERVICE_HOST"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(dev.portcullis.registry.config.ConfigException.class,
                () -> KubernetesApi.inCluster(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), sa));
        assertTrue(e.getMessage().contains("no ServiceAccount token at " + sa.resolve("token")), e.getMessage());
        java.nio.file.Files.writeString(sa.resolve("token"), ISSUER_SA_TOKEN);
        java.nio.file.Files.writeString(sa.resolve("ca.crt"), "not a certificate");
        e = org.junit.jupiter.api.Assertions.assertThrows(dev.portcullis.registry.config.ConfigException.class,
                () -> KubernetesApi.inCluster(Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"), sa));
        assertTrue(e.getMessage().contains("ca.crt"), e.getMessage());
    }

    @Test
    void badTokensNamingAServiceAccountFromManyNodesDoNotLockItOutButOneAddressIsStillSlowed() {
        // Budgets as for passwords: 3 per (account, address), 6 per account from everywhere.
        LoginThrottle throttle = new LoginThrottle(3, 6, java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1), Clock.systemUTC());
        java.util.concurrent.atomic.AtomicInteger passwordChecks = new java.util.concurrent.atomic.AtomicInteger();
        IssuerMetrics metrics = new IssuerMetrics();
        Authenticator authenticator = new Authenticator(new UserStore(Map.of("alice", IssuerFixture.hash("alice-pw"))),
                List.of(new KubernetesAuthenticator(api, List.of("portcullis-test"), List.of("ci"))), throttle,
                List.of(BackendChainTest.login("ldap_auth", LoginResult.allowed(Map.of()), passwordChecks)), metrics);
        // Claims to be system:serviceaccount:ci:builder (its sub), but the API server does not vouch for it.
        String bad = CI_TOKEN.substring(0, CI_TOKEN.lastIndexOf('.') + 1) + "Zm9yZ2Vk";
        try (LogCapture log = new LogCapture(Authenticator.class)) {
            for (int i = 0; i < 20; i++) {
                assertTrue(authenticator.login("builder", bad, "10.244." + i + ".1") instanceof Authenticator.Failure, "bad token " + i);
            }
            assertEquals(new Authenticator.Success("system:serviceaccount:ci:builder", false,
                            Map.of("namespace", List.of("ci"), "serviceaccount", List.of("builder"))),
                    authenticator.login("builder", CI_TOKEN, "10.244.99.1"),
                    "20 bad tokens from 20 nodes (over the account budget of 6) do not lock the ServiceAccount out");
            assertEquals(0, passwordChecks.get(), "ServiceAccount tokens never reach a password backend");
            assertEquals(0.0, metrics.logins("users", "denied") + metrics.logins("users", "allowed"), "nor pay a bcrypt");

            for (int i = 0; i < 3; i++) {
                assertTrue(authenticator.login("builder", bad, "10.244.50.1") instanceof Authenticator.Failure);
            }
            int asked = reviews.get();
            assertTrue(authenticator.login("builder", CI_TOKEN, "10.244.50.1") instanceof Authenticator.Throttled,
                    "one address's budget (3) is still enforced: the residual risk of pods sharing a node address");
            assertEquals(asked, reviews.get(), "a throttled attempt costs no TokenReview");

            List<String> refusals = log.lines().stream().filter(l -> l.startsWith("kubernetes: token refused")).toList();
            assertEquals(23, refusals.size(), "one line per refused token: " + log.lines());
            assertTrue(refusals.get(0).contains("reason=the API server does not authenticate the token")
                    && refusals.get(0).contains("system:serviceaccount:ci:builder"), refusals.get(0));
            String payload = bad.split("\\.")[1];
            assertTrue(log.lines().stream().noneMatch(l -> l.contains(payload) || l.contains("Zm9yZ2Vk")), "a line holds a token: " + log.lines());
        }
        for (int i = 0; i < 6; i++) {
            assertTrue(authenticator.login("alice", "guess-" + i, "10.0.0." + i) instanceof Authenticator.Failure);
        }
        assertTrue(authenticator.login("alice", "alice-pw", "10.0.0.99") instanceof Authenticator.Throttled,
                "a static user's password guesses from many addresses still lock the account, as before");
    }

    @Test
    void aJwtThatNamesNoServiceAccountIsAPasswordAndNeverSentToTheApiServer() {
        Authenticator authenticator = new Authenticator(new UserStore(Map.of("alice", IssuerFixture.hash("alice-pw"))),
                List.of(new KubernetesAuthenticator(api, List.of("portcullis-test"), List.of("ci"))),
                new LoginThrottle(3, 6, java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1), Clock.systemUTC()));
        String notAServiceAccount = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln"; // sub "ci"
        assertTrue(authenticator.login("alice", notAServiceAccount, "10.0.0.1") instanceof Authenticator.Failure);
        assertEquals(0, reviews.get(), "only tokens whose sub is system:serviceaccount:... are reviewed");
    }
}
