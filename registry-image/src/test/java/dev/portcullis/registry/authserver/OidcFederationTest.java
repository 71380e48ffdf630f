package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.TestPki;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code oidc_federation} against a real OpenID provider over HTTPS (mock-oauth2-server with a test CA certificate):
 * an ID token as the password becomes the account of its {@code repository} claim with labels from its claims, ACLs
 * grant on them; every kind of bad token is refused with one log line naming the reason and never the token; a key
 * rotation is picked up; an issuer that cannot be reached fails closed (503) while static users still log in.
 */
class OidcFederationTest {
    static final String AUDIENCE = "https://registry.portcullis.test";
    static final String ACCOUNT = "acme/app";

    @TempDir
    static Path dir;
    static TestOpenIdProvider provider;
    static AuthServer server;
    static HttpClient http;
    static String base;
    static String downIssuer;
    static Path config;
    static final Logger authLog = Logger.getLogger("dev.portcullis.registry.authserver");
    static final List<String> logged = new CopyOnWriteArrayList<>();
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(new SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir, "federation");
        provider = new TestOpenIdProvider(pki, dir);
        downIssuer = "https://127.0.0.1:" + DistributionProcess.freePort() + "/down";
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), signing, null, """
                throttle: {max_failures: 0}
                users:
                  alice: {password: "%s"}
                acl:
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                  - match: {account: "/.+/", labels: {ref: "refs/heads/main"}, name: "${labels:owner}/*"}
                    actions: ["push", "pull"]
                  - match: {account: "/.+/", name: "${labels:owner}/*"}
                    actions: ["pull"]
                oidc_federation:
                  timeout: 5s
                  jwks_min_refresh_interval: 1s
                  issuers:
                    ci:
                      issuer: "%s"
                      audience: "%s"
                      account_claim: repository
                      labels: {owner: repository_owner, ref: ref}
                      claims: {repository_owner: acme}
                      ca_certificate: "%s"
                      max_token_age: 10m
                    down:
                      issuer: "%s"
                      audience: "%s"
                      account_claim: sub
                      ca_certificate: "%s"
                """.formatted(IssuerFixture.hash("alice-pw"), provider.issuer(), AUDIENCE, pki.caFile(), downIssuer,
                AUDIENCE, pki.caFile()));
        server = AuthServer.start(AuthServerConfig.load(config));
        // After the start (which sets up logging); held in a field, as JUL keeps loggers only weakly.
        authLog.addHandler(capture);
        http = IssuerFixture.client(pki.caFile());
        base = "https://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        authLog.removeHandler(capture);
        if (server != null) {
            server.close();
        }
        if (provider != null) {
            provider.close();
        }
    }

    @BeforeEach
    void clearLog() {
        logged.clear();
    }

    static Map<String, Object> ciClaims(String ref) {
        Map<String, Object> c = new HashMap<>();
        c.put("repository", ACCOUNT);
        c.put("repository_owner", "acme");
        c.put("ref", ref);
        return c;
    }

    static String mainToken() {
        return provider.token(TestOpenIdProvider.ISSUER_ID, "repo:acme/app:ref:refs/heads/main", AUDIENCE,
                ciClaims("refs/heads/main"), 300);
    }

    static HttpResponse<String> login(String user, String password, String scope) throws Exception {
        return IssuerFixture.get(http, base + "/auth?service=" + SERVICE + "&scope=" + scope, IssuerFixture.basic(user, password));
    }

    static List<AccessEntry> granted(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return AccessEntry.fromClaimList(SignedJWT.parse(new JsonObject(r.body()).getString("token")).getJWTClaimsSet().getClaim("access"));
    }

    /** The request is refused (401), one line names {@code reason}, and no line holds the token or its signature. */
    static void refused(String user, String token, String reason) throws Exception {
        HttpResponse<String> r = login(user, token, "repository:acme/tool:pull");
        assertEquals(401, r.statusCode(), r.body());
        List<String> lines = logged.stream().filter(l -> l.startsWith("oidc_federation:")).toList();
        assertEquals(1, lines.size(), "one reason line from oidc_federation (the chain adds its own \"login failed\"): " + logged);
        assertTrue(lines.get(0).contains(reason), "names the reason '" + reason + "': " + lines.get(0));
        String signature = token.substring(token.lastIndexOf('.') + 1);
        String payload = token.split("\\.")[1];
        for (String l : logged) {
            assertFalse(l.contains(payload), "a log line holds the token: " + l);
            assertFalse(!signature.isEmpty() && l.contains(signature), "a log line holds the signature: " + l);
        }
    }

    @Test
    void idTokenIsTheAccountOfItsRepositoryWithLabelsFromItsClaims() throws Exception {
        assertEquals(List.of(new AccessEntry("repository", "acme/tool", List.of("pull", "push"))),
                granted(login(ACCOUNT, mainToken(), "repository:acme/tool:pull,push")));
        String feature = provider.token(TestOpenIdProvider.ISSUER_ID, "repo:acme/app:ref:refs/heads/feature", AUDIENCE,
                ciClaims("refs/heads/feature"), 300);
        assertEquals(List.of(new AccessEntry("repository", "acme/tool", List.of("pull"))),
                granted(login(ACCOUNT, feature, "repository:acme/tool:pull,push")), "a branch other than main only pulls");
        assertEquals(List.of(), granted(login(ACCOUNT, mainToken(), "repository:globex/tool:push,pull")),
                "nothing outside the owner's namespace");
    }

    @Test
    void expiredTokenIsRefused() throws Exception {
        refused(ACCOUNT, provider.token(TestOpenIdProvider.ISSUER_ID, "s", AUDIENCE, ciClaims("refs/heads/main"), -120), "expired");
    }

    @Test
    void wrongAudienceIsRefused() throws Exception {
        refused(ACCOUNT, provider.token(TestOpenIdProvider.ISSUER_ID, "s", "https://other.example", ciClaims("refs/heads/main"), 300),
                "wrong audience");
    }

    @Test
    void unknownIssuerIsRefused() throws Exception {
        refused(ACCOUNT, provider.token("other", "s", AUDIENCE, ciClaims("refs/heads/main"), 300), "unknown issuer");
    }

    @Test
    void missingRequiredClaimIsRefused() throws Exception {
        Map<String, Object> claims = ciClaims("refs/heads/main");
        claims.remove("repository_owner");
        refused(ACCOUNT, provider.token(TestOpenIdProvider.ISSUER_ID, "s", AUDIENCE, claims, 300), "missing required claim repository_owner");
    }

    @Test
    void userNameOtherThanTheAccountIsRefused() throws Exception {
        refused("acme/other", mainToken(), "user name is not the token's repository");
    }

    @Test
    void unsignedTokenIsRefused() throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(mainToken()).getJWTClaimsSet();
        refused(ACCOUNT, new PlainJWT(claims).serialize(), "alg none");
    }

    @Test
    void hmacSignedWithThePublicKeyIsRefused() throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(mainToken()).getJWTClaimsSet();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(provider.kid()).build(), claims);
        forged.sign(new MACSigner(provider.signingKey().toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        refused(ACCOUNT, forged.serialize(), "algorithm HS256 is not accepted");
    }

    @Test
    void badSignatureIsRefused() throws Exception {
        String[] parts = mainToken().split("\\.");
        JWTClaimsSet claims = new JWTClaimsSet.Builder(SignedJWT.parse(mainToken()).getJWTClaimsSet())
                .claim("repository_owner", "acme").claim("ref", "refs/heads/main").expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build();
        String tampered = parts[0] + "." + Base64URL.encode(claims.toString()) + "." + parts[2];
        refused(ACCOUNT, tampered, "bad signature");
        SignedJWT otherKey = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(provider.kid()).build(),
                SignedJWT.parse(mainToken()).getJWTClaimsSet());
        otherKey.sign(new RSASSASigner(new RSAKeyGenerator(2048).generate()));
        logged.clear();
        refused(ACCOUNT, otherKey.serialize(), "bad signature");
    }

    @Test
    void rotatedKeyIsFetchedOnItsUnknownKid() throws Exception {
        assertEquals(200, login(ACCOUNT, mainToken(), "repository:acme/tool:pull").statusCode());
        String before = provider.kid();
        provider.rotate(before + "-next");
        String rotated = mainToken();
        assertEquals(before + "-next", SignedJWT.parse(rotated).getHeader().getKeyID());
        Thread.sleep(1_200); // past jwks_min_refresh_interval since the last fetch
        assertEquals(List.of(new AccessEntry("repository", "acme/tool", List.of("pull"))),
                granted(login(ACCOUNT, rotated, "repository:acme/tool:pull")));
    }

    @Test
    void madeUpKeyIdsDoNotMakeUsHammerTheIssuer() throws Exception {
        assertEquals(200, login(ACCOUNT, mainToken(), "repository:acme/tool:pull").statusCode());
        Thread.sleep(1_200); // past jwks_min_refresh_interval (1s), so the first made-up kid may refetch
        provider.takeRequestPaths();
        JWTClaimsSet claims = SignedJWT.parse(mainToken()).getJWTClaimsSet();
        long started = System.nanoTime();
        int attempts = 10;
        for (int i = 0; i < attempts; i++) {
            SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("made-up-" + i).build(), claims);
            forged.sign(new RSASSASigner(provider.signingKey()));
            assertEquals(401, login(ACCOUNT, forged.serialize(), "repository:acme/tool:pull").statusCode());
        }
        double intervals = (System.nanoTime() - started) / 1e9; // jwks_min_refresh_interval is 1s
        long fetches = provider.takeRequestPaths().stream().filter(p -> p.endsWith("/jwks")).count();
        assertTrue(fetches >= 1, "an unknown kid refetches the JWKS");
        assertTrue(fetches <= 2 * (Math.ceil(intervals) + 1) && fetches < attempts,
                fetches + " JWKS fetches for " + attempts + " unknown kids in " + intervals + " s");
    }

    @Test
    void unreachableIssuerFailsClosedAndStaticUsersStillLogIn() throws Exception {
        SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k").build(), new JWTClaimsSet.Builder()
                .issuer(downIssuer).audience(AUDIENCE).subject("job").expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        token.sign(new RSASSASigner(new RSAKeyGenerator(2048).generate()));
        HttpResponse<String> r = login("job", token.serialize(), "repository:job/x:pull");
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(logged.stream().anyMatch(l -> l.contains("backend unavailable") && l.contains("oidc_federation")), logged.toString());
        assertEquals(List.of(new AccessEntry("repository", "alice/app", List.of("pull"))),
                granted(login("alice", "alice-pw", "repository:alice/app:pull")));
    }

    /** The {@code oidc_federation} backend of this test's configuration, for an {@link Authenticator} of a test's own. */
    static SignedTokenBackend federationBackend() throws Exception {
        for (BackendSettings b : AuthServerConfig.load(config).backends()) {
            if (b instanceof OidcFederationSettings federation) {
                return federation.start();
            }
        }
        throw new IllegalStateException("no oidc_federation in " + config);
    }

    @Test
    void badTokensNamingACiAccountFromManyAddressesDoNotLockItOutButOneAddressIsStillSlowed() throws Exception {
        // Budgets as for passwords: 3 per (account, address), 6 per account from everywhere.
        LoginThrottle throttle = new LoginThrottle(3, 6, java.time.Duration.ofMinutes(1), java.time.Duration.ofMinutes(1),
                java.time.Clock.systemUTC());
        java.util.concurrent.atomic.AtomicInteger passwordChecks = new java.util.concurrent.atomic.AtomicInteger();
        IssuerMetrics metrics = new IssuerMetrics();
        String expired = provider.token(TestOpenIdProvider.ISSUER_ID, "s", AUDIENCE, ciClaims("refs/heads/main"), -120);
        SignedJWT otherKey = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(provider.kid()).build(),
                SignedJWT.parse(mainToken()).getJWTClaimsSet());
        otherKey.sign(new RSASSASigner(new RSAKeyGenerator(2048).generate()));
        String forged = otherKey.serialize();
        try (SignedTokenBackend federation = federationBackend();
             LogCapture log = new LogCapture(Authenticator.class)) {
            Authenticator auth = new Authenticator(new UserStore(Map.of("alice", IssuerFixture.hash("alice-pw"))),
                    List.of(federation), throttle,
                    List.of(BackendChainTest.login("ldap_auth", LoginResult.allowed(Map.of()), passwordChecks)), metrics);
            for (int i = 0; i < 20; i++) {
                assertTrue(auth.login(ACCOUNT, i % 2 == 0 ? expired : forged, "198.51.100." + i) instanceof Authenticator.Failure,
                        "bad token " + i);
            }
            assertTrue(auth.login(ACCOUNT, mainToken(), "203.0.113.7") instanceof Authenticator.Success,
                    "20 bad tokens from 20 addresses (over the account budget of 6) do not lock the CI account out");
            assertEquals(0, passwordChecks.get(), "signed tokens never reach a password backend");
            assertEquals(0.0, metrics.logins("users", "denied") + metrics.logins("users", "allowed"), "nor pay a bcrypt");

            for (int i = 0; i < 3; i++) {
                assertTrue(auth.login(ACCOUNT, expired, "198.51.100.200") instanceof Authenticator.Failure);
            }
            assertTrue(auth.login(ACCOUNT, mainToken(), "198.51.100.200") instanceof Authenticator.Throttled,
                    "one address's budget (3) is still enforced");
            assertTrue(auth.login(ACCOUNT, mainToken(), "203.0.113.8") instanceof Authenticator.Success, "elsewhere it is not");

            List<String> refusals = log.lines().stream().filter(l -> l.startsWith("oidc_federation: token refused")).toList();
            assertEquals(23, refusals.size(), "one line per refused token: " + log.lines());
            assertTrue(refusals.stream().anyMatch(l -> l.contains("expired")) && refusals.stream().anyMatch(l -> l.contains("bad signature")),
                    "each names its reason: " + refusals);
            for (String token : List.of(expired, forged)) {
                String payload = token.split("\\.")[1];
                String signature = token.substring(token.lastIndexOf('.') + 1);
                assertTrue(log.lines().stream().noneMatch(l -> l.contains(payload) || l.contains(signature)), "a line holds a token: " + log.lines());
            }

            for (int i = 0; i < 6; i++) {
                assertTrue(auth.login("alice", "guess-" + i, "192.0.2." + i) instanceof Authenticator.Failure);
            }
            assertTrue(auth.login("alice", "alice-pw", "192.0.2.99") instanceof Authenticator.Throttled,
                    "a static user's password guesses from many addresses still lock the account, as before");
        }
    }
}
