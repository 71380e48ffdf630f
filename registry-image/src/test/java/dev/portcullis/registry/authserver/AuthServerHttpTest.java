package dev.portcullis.registry.authserver;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.auth.token.KeyIds;
import dev.portcullis.registry.auth.token.PemFiles;
import dev.portcullis.registry.testsupport.TestPki;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static dev.portcullis.registry.authserver.IssuerFixture.basic;
import static dev.portcullis.registry.authserver.IssuerFixture.get;
import static dev.portcullis.registry.authserver.IssuerFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token endpoint over real HTTPS: the happy paths, the OAuth2 form, and hostile input. */
class AuthServerHttpTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki.Issued tls;
    static TestPki.Issued signing;
    static AuthServer server;
    static HttpClient http;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(dir, "test");
        tls = pki.server(dir, "auth-tls");
        signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, tls, signing, null,
                IssuerFixture.usersAndAcl() + "throttle: {max_failures: 1000}\n");
        server = AuthServer.start(AuthServerConfig.load(config));
        http = IssuerFixture.client(pki.caFile());
        base = "https://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String auth(String query) {
        return base + "/auth?service=" + SERVICE + query;
    }

    private static SignedJWT verified(String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        assertTrue(jwt.verify(new ECDSAVerifier((ECPublicKey) signing.certificate().getPublicKey())), "signature");
        return jwt;
    }

    private static List<AccessEntry> access(SignedJWT jwt) throws Exception {
        return AccessEntry.fromClaimList(jwt.getJWTClaimsSet().getClaim("access"));
    }

    @Test
    void issuesTheSpecifiedTokenForAGrantedScope() throws Exception {
        HttpResponse<String> r = get(http, auth("&scope=repository:alice/app:pull,push"), basic("alice", "alice-pw"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
        JsonObject body = new JsonObject(r.body());
        assertEquals(body.getString("token"), body.getString("access_token"));
        assertEquals(300, body.getLong("expires_in"));
        Instant issuedAt = Instant.parse(body.getString("issued_at"));
        assertTrue(Duration.between(issuedAt, Instant.now()).abs().toSeconds() < 30);

        SignedJWT jwt = verified(body.getString("token"));
        assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
        assertEquals(KeyIds.libtrust(signing.certificate().getPublicKey()), jwt.getHeader().getKeyID());
        assertEquals(1, jwt.getHeader().getX509CertChain().size());
        var c = jwt.getJWTClaimsSet();
        assertEquals(IssuerFixture.ISSUER, c.getIssuer());
        assertEquals("alice", c.getSubject());
        assertEquals(List.of(SERVICE), c.getAudience());
        assertEquals(300, (c.getExpirationTime().getTime() - c.getIssueTime().getTime()) / 1000);
        assertTrue(c.getNotBeforeTime().toInstant().isBefore(c.getIssueTime().toInstant().plusMillis(1)));
        assertNotNull(c.getJWTID());
        assertEquals(List.of(new AccessEntry("repository", "alice/app", List.of("pull", "push"))), access(jwt));
        // The raw JSON carries aud as a plain string, which every Distribution version reads.
        assertTrue(jwt.getPayload().toString().contains("\"aud\":\"" + SERVICE + "\""), jwt.getPayload().toString());
    }

    @Test
    void partialAndRefusedScopesAreNotErrors() throws Exception {
        HttpResponse<String> r = get(http, auth("&scope=repository:alice/app:pull,push&scope=repository:bob/app:pull,push"),
                basic("puller", "puller-pw"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(List.of(new AccessEntry("repository", "alice/app", List.of("pull")), new AccessEntry("repository", "bob/app", List.of("pull"))),
                access(verified(new JsonObject(r.body()).getString("token"))));

        r = get(http, auth("&scope=repository:bob/app:pull,push"), basic("alice", "alice-pw"));
        assertEquals(200, r.statusCode());
        assertEquals(List.of(), access(verified(new JsonObject(r.body()).getString("token"))));
    }

    @Test
    void anonymousGetsOnlyWhatTheAclGivesTheEmptyAccount() throws Exception {
        HttpResponse<String> r = get(http, auth("&scope=repository:public/base:pull,push&scope=repository:alice/app:pull"), null);
        assertEquals(200, r.statusCode(), r.body());
        SignedJWT jwt = verified(new JsonObject(r.body()).getString("token"));
        assertEquals("", jwt.getJWTClaimsSet().getSubject());
        assertEquals(List.of(new AccessEntry("repository", "public/base", List.of("pull"))), access(jwt));
    }

    @Test
    void wrongPasswordAndUnknownUserGet401AndNoToken() throws Exception {
        for (String[] creds : List.of(new String[] {"alice", "wrong"}, new String[] {"mallory", "alice-pw"}, new String[] {"alice", ""})) {
            HttpResponse<String> r = get(http, auth("&scope=repository:alice/app:pull"), basic(creds[0], creds[1]));
            assertEquals(401, r.statusCode(), creds[0]);
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="));
            assertFalse(r.body().contains("token"), r.body());
            assertFalse(r.body().contains(creds[1].isEmpty() ? "\u0000" : creds[1]), "password echoed");
        }
        HttpResponse<String> garbage = get(http, auth(""), "Basic !!!notbase64");
        assertEquals(401, garbage.statusCode());
    }

    @Test
    void malformedScopeAndForeignServiceAre400AndNoToken() throws Exception {
        HttpResponse<String> r = get(http, auth("&scope=repository:alice/app"), basic("alice", "alice-pw"));
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("INVALID_SCOPE"), r.body());
        assertFalse(r.body().contains("token"));

        r = get(http, base + "/auth?service=someone-else&scope=repository:alice/app:pull", basic("alice", "alice-pw"));
        assertEquals(400, r.statusCode());
        assertFalse(r.body().contains("token"));

        r = get(http, base + "/auth?scope=repository:alice/app:pull", basic("alice", "alice-pw"));
        assertEquals(400, r.statusCode());

        r = get(http, auth("&account=bob&scope=repository:bob/app:push"), basic("alice", "alice-pw"));
        assertEquals(400, r.statusCode(), "account must match the credentials");
    }

    @Test
    void oauthPasswordGrantThenRefreshGrant() throws Exception {
        HttpResponse<String> r = post(http, base + "/auth", Map.of("grant_type", "password", "service", SERVICE,
                "client_id", "test", "access_type", "offline", "scope", "repository:alice/app:pull repository:bob/app:push",
                "username", "alice", "password", "alice-pw"));
        assertEquals(200, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals("repository:alice/app:pull", body.getString("scope"));
        String refresh = body.getString("refresh_token");
        assertNotNull(refresh);
        assertEquals(List.of(new AccessEntry("repository", "alice/app", List.of("pull"))), access(verified(body.getString("access_token"))));

        r = post(http, base + "/auth", Map.of("grant_type", "refresh_token", "service", SERVICE, "client_id", "test",
                "scope", "repository:alice/other:push", "refresh_token", refresh));
        assertEquals(200, r.statusCode(), r.body());
        SignedJWT jwt = verified(new JsonObject(r.body()).getString("access_token"));
        assertEquals("alice", jwt.getJWTClaimsSet().getSubject());
        assertEquals(List.of(new AccessEntry("repository", "alice/other", List.of("push"))), access(jwt));
        assertFalse(new JsonObject(r.body()).containsKey("refresh_token"), "a new refresh token only when asked");

        // The refresh token is no access token: its audience is not the service.
        assertNotEquals(List.of(SERVICE), SignedJWT.parse(refresh).getJWTClaimsSet().getAudience());
    }

    @Test
    void oauthRejectsHostileGrants() throws Exception {
        String access = new JsonObject(get(http, auth("&scope=repository:alice/app:pull"), basic("alice", "alice-pw")).body()).getString("token");
        Map<String, Map<String, String>> cases = Map.of(
                "access token replayed as refresh token", Map.of("grant_type", "refresh_token", "service", SERVICE, "refresh_token", access),
                "garbage refresh token", Map.of("grant_type", "refresh_token", "service", SERVICE, "refresh_token", "eyJ.x.y"),
                "wrong password", Map.of("grant_type", "password", "service", SERVICE, "username", "alice", "password", "nope"),
                "unknown user", Map.of("grant_type", "password", "service", SERVICE, "username", "mallory", "password", "x"),
                "foreign service", Map.of("grant_type", "password", "service", "elsewhere", "username", "alice", "password", "alice-pw"),
                "malformed scope", Map.of("grant_type", "password", "service", SERVICE, "username", "alice", "password", "alice-pw", "scope", "repository::"),
                "unsupported grant", Map.of("grant_type", "authorization_code", "service", SERVICE, "code", "x"));
        for (var e : cases.entrySet()) {
            HttpResponse<String> r = post(http, base + "/auth", e.getValue());
            assertEquals(400, r.statusCode(), e.getKey() + ": " + r.body());
            JsonObject body = new JsonObject(r.body());
            assertNotNull(body.getString("error"), e.getKey());
            assertFalse(body.containsKey("access_token"), e.getKey());
        }
    }

    @Test
    void getWithOfflineTokenReturnsARefreshTokenAsDockerLoginAsks() throws Exception {
        HttpResponse<String> r = get(http, auth("&offline_token=true&client_id=docker"), basic("alice", "alice-pw"));
        assertEquals(200, r.statusCode());
        assertNotNull(new JsonObject(r.body()).getString("refresh_token"));
    }

    @Test
    void publishesItsCertificatesAndJwks() throws Exception {
        HttpResponse<String> certs = get(http, base + "/certs.pem", null);
        assertEquals(200, certs.statusCode());
        List<X509Certificate> published = PemFiles.parseCertificates(certs.body());
        assertEquals(signing.certificate(), published.get(0));
        HttpResponse<String> jwks = get(http, base + "/.well-known/jwks.json", null);
        assertTrue(jwks.body().contains(KeyIds.libtrust(signing.certificate().getPublicKey())), jwks.body());
        assertFalse(jwks.body().contains("\"d\""), "no private parts");
        assertEquals(200, get(http, base + "/healthz", null).statusCode());
    }

    @Test
    void reloadsTheTlsCertificateWhenItsFilesChange() throws Exception {
        X509Certificate before = (X509Certificate) get(http, base + "/healthz", null).sslSession().orElseThrow().getPeerCertificates()[0];
        TestPki.Issued fresh = pki.server(dir.resolve("fresh"), "auth-tls");
        Files.copy(fresh.key(), tls.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fresh.cert(), tls.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        X509Certificate after = before;
        for (int i = 0; i < 50 && after.equals(before); i++) {
            Thread.sleep(100);
            HttpClient newConnections = IssuerFixture.client(pki.caFile());
            after = (X509Certificate) get(newConnections, base + "/healthz", null).sslSession().orElseThrow().getPeerCertificates()[0];
        }
        assertEquals(fresh.certificate(), after);
    }
}
