package dev.portcullis.registry.authserver;

import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A docker_auth {@code auth_config.yml} (static {@code users} with labels, {@code acl}, {@code ldap_auth},
 * {@code ext_authz}; no key of ours, no {@code token.service}) started unchanged, and a table of (account, scopes) to the access granted, each
 * expectation written from docker_auth's documented semantics (examples/reference.yml): the first matching rule wins,
 * {@code actions: []} denies, {@code ["*"]} grants what was asked, globs are Go's path.Match ({@code *} stops at '/'),
 * /regex/ is unanchored, {@code ${account}} and {@code ${labels:NAME}} are substituted (each label value tried),
 * {@code match.labels} needs one of the account's values to match, {@code ip} is the client's address, and a request
 * matching no rule gets nothing. Requests come from 127.0.0.1.
 * <p>
 * Another access backend (ext_authz, acl_mongo) is asked only for scopes no {@code acl} rule matches: to cover one,
 * append its section to the file and add rows whose names no rule above matches (the {@code acl} has no catch-all).
 * {@code ext_authz} runs src/test/resources/ext/ext_authz.py (docker_auth's protocol: exit 0 with the allowed actions,
 * 1 denied, 2 no opinion; anything else grants nothing).
 */
class DockerAuthDecisionTableTest {
    static final String SERVICE = "registry.example.com";

    @TempDir
    static Path dir;
    static TestDirectory directory;
    static AuthServer server;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        directory = new TestDirectory(dir);
        TestPki pki = new TestPki(dir.resolve("pki"), "auth-ca");
        TestPki.Issued tls = pki.server(dir.resolve("pki"), "auth");
        Path extAuthz = Path.of(DockerAuthDecisionTableTest.class.getResource("/ext/ext_authz.py").toURI());
        if (!extAuthz.toFile().setExecutable(true)) {
            throw new IllegalStateException("chmod +x " + extAuthz);
        }
        Path config = dir.resolve("auth_config.yml");
        Files.writeString(config, """
                server:
                  addr: "127.0.0.1:0"
                  certificate: "%s"
                  key: "%s"
                token:
                  issuer: "Acme auth server"
                  expiration: 900
                users:
                  admin: {password: "%s"}
                  test: {password: "%s"}
                  eve:
                    password: "%s"
                    labels: {groups: [banned]}
                  dave:
                    password: "%s"
                    labels: {groups: [developers]}
                  "": {}
                %s
                acl:
                  - match: {account: "admin"}
                    actions: ["*"]
                    comment: "Admin has full access to everything."
                  - match: {account: "test", name: "test-*"}
                    actions: ["*"]
                    comment: "User test has full access to test-* images but nothing else. (1)"
                  - match: {account: "test"}
                    actions: []
                    comment: "User test has full access to test-* images but nothing else. (2)"
                  - match: {labels: {groups: "banned"}}
                    actions: []
                    comment: "A label can deny before the general rules."
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                    comment: "Logged in users have full access to images in their namespace."
                  - match: {account: "/.+/", name: "${labels:groups}/*"}
                    actions: ["push", "pull"]
                    comment: "Members of a group may push and pull in the group's namespace."
                  - match: {type: "registry", name: "catalog", labels: {groups: "admin*"}}
                    actions: ["*"]
                    comment: "Admin groups can query the catalog."
                  - match: {account: "/^(alice|bob)$/", name: "/^library\\\\/[a-z]+$/"}
                    actions: ["pull"]
                    comment: "Regexes are unanchored unless anchored."
                  - match: {ip: "10.0.0.0/8", name: "internal/*"}
                    actions: ["pull"]
                  - match: {ip: "127.0.0.1/32", account: "carol", name: "local/*"}
                    actions: ["pull"]
                  - match: {account: "", name: "hello-world"}
                    actions: ["pull"]
                    comment: "Anonymous users can pull hello-world."
                  - match: {account: "/.+/", name: "shared/*"}
                    actions: ["pull"]
                ext_authz:
                  command: "%s"
                  args: ["%s"]
                """.formatted(tls.cert(), tls.key(), IssuerFixture.hash("admin-pw"), IssuerFixture.hash("test-pw"),
                IssuerFixture.hash("eve-pw"), IssuerFixture.hash("dave-pw"),
                directory.section("ldaps", directory.pki.caFile()), extAuthz, dir));
        server = AuthServer.start(AuthServerConfig.load(config));
        http = IssuerFixture.client(pki.caFile());
    }

    @AfterAll
    static void stop() {
        server.close();
        directory.close();
    }

    /** One row: who (null = anonymous), the scopes asked, the access expected (type:name:actions, actions sorted). */
    record Row(String account, String password, List<String> scopes, List<String> granted) {
        @Override
        public String toString() {
            return (account == null ? "anonymous" : account) + " " + scopes + " -> " + granted;
        }
    }

    static Row row(String account, String scope, String... granted) {
        return new Row(account, account == null ? null : account + (List.of("alice", "bob", "carol").contains(account)
                ? "-ldap-pw" : "-pw"), List.of(scope), List.of(granted));
    }

    static Stream<Row> table() {
        return Stream.of(
                row("admin", "repository:anything/x:push,pull", "repository:anything/x:pull,push"),
                row("admin", "registry:catalog:*", "registry:catalog:*"),
                row("test", "repository:test-app:push,pull", "repository:test-app:pull,push"),
                row("test", "repository:other:pull"),
                row("test", "repository:test-a/b:pull"),
                row("eve", "repository:eve/app:pull"),
                row("dave", "repository:dave/app:push,pull,delete", "repository:dave/app:delete,pull,push"),
                row("dave", "repository:developers/tool:push,pull,delete", "repository:developers/tool:pull,push"),
                row("alice", "repository:alice/app:push,pull,delete", "repository:alice/app:delete,pull,push"),
                row("alice", "repository:admins/x:push", "repository:admins/x:push"),
                row("alice", "repository:developers/x:pull", "repository:developers/x:pull"),
                row("alice", "registry:catalog:*", "registry:catalog:*"),
                row("bob", "registry:catalog:*"),
                row("bob", "repository:admins/x:pull"),
                row("bob", "repository:library/ubuntu:pull,push", "repository:library/ubuntu:pull"),
                row("bob", "repository:library/ubuntu2:pull"),
                row("bob", "repository:shared/x:pull,push", "repository:shared/x:pull"),
                row("carol", "repository:local/x:pull,push", "repository:local/x:pull"),
                row("carol", "repository:internal/x:pull"),
                row("carol", "repository:alice/app:pull"),
                row("carol", "repository:carol/deep/nested:pull"),
                row("carol", "repository:library/ubuntu:pull"),
                row(null, "repository:hello-world:pull,push", "repository:hello-world:pull"),
                row(null, "repository:shared/x:pull"),
                // ext_authz: asked only when no acl rule matches.
                row("dave", "repository:open/tool:pull,push", "repository:open/tool:pull"),
                row(null, "repository:everything/x:pull,push", "repository:everything/x:pull,push"),
                row("bob", "repository:greedy/x:pull", "repository:greedy/x:pull"),
                row("alice", "repository:closed/x:pull"),
                row("carol", "repository:somewhere/x:pull"),
                row("carol", "repository:crash/x:pull"),
                row("admin", "repository:closed/x:push", "repository:closed/x:push"),
                row("test", "repository:open/x:pull"),
                row("eve", "repository:open/x:pull"),
                new Row("alice", "alice-ldap-pw", List.of("repository:alice/a:pull", "repository:bob/b:pull"),
                        List.of("repository:alice/a:pull")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void grantsWhatDockerAuthWould(Row row) throws Exception {
        String query = "service=" + URLEncoder.encode(SERVICE, StandardCharsets.UTF_8) + row.scopes().stream()
                .map(s -> "&scope=" + URLEncoder.encode(s, StandardCharsets.UTF_8)).collect(Collectors.joining());
        HttpResponse<String> r = IssuerFixture.get(http, "https://127.0.0.1:" + server.port() + "/auth?" + query,
                row.account() == null ? null : IssuerFixture.basic(row.account(), row.password()));
        assertEquals(200, r.statusCode(), r.body());
        String token = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("token").asText();
        var claims = SignedJWT.parse(token).getJWTClaimsSet();
        assertEquals(List.of(SERVICE), claims.getAudience(), "without token.service the audience is the service asked for");
        List<String> granted = new ArrayList<>();
        for (AccessEntry e : AccessEntry.fromClaimList(claims.getClaim("access"))) {
            granted.add(e.type() + ":" + e.name() + ":" + e.actions().stream().sorted().collect(Collectors.joining(",")));
        }
        assertEquals(row.granted(), granted);
    }

    @Test
    void oauthGrantsWithoutTokenServiceKeepTheServiceAskedForAndTheStaticLabels() throws Exception {
        String url = "https://127.0.0.1:" + server.port() + "/auth";
        HttpResponse<String> r = IssuerFixture.post(http, url, Map.of("grant_type", "password", "service", "other.example",
                "client_id", "t", "access_type", "offline", "username", "dave", "password", "dave-pw",
                "scope", "repository:developers/tool:pull"));
        assertEquals(200, r.statusCode(), r.body());
        var body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        assertEquals("repository:developers/tool:pull", body.path("scope").asText(), "dave's label from users:");
        assertEquals(List.of("other.example"), SignedJWT.parse(body.path("access_token").asText()).getJWTClaimsSet().getAudience());
        HttpResponse<String> refreshed = IssuerFixture.post(http, url, Map.of("grant_type", "refresh_token",
                "service", "other.example", "client_id", "t", "refresh_token", body.path("refresh_token").asText(),
                "scope", "repository:developers/tool:push"));
        assertEquals(200, refreshed.statusCode(), refreshed.body());
        assertEquals("repository:developers/tool:push", new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(refreshed.body()).path("scope").asText(), "a refresh grant reads the labels again");
        HttpResponse<String> elsewhere = IssuerFixture.post(http, url, Map.of("grant_type", "refresh_token",
                "service", SERVICE, "client_id", "t", "refresh_token", body.path("refresh_token").asText()));
        assertEquals(400, elsewhere.statusCode(), "a refresh token is bound to the service it was issued for");
    }

    @Test
    void wrongOrUnknownCredentialsGetNoToken() throws Exception {
        String url = "https://127.0.0.1:" + server.port() + "/auth?service=" + SERVICE + "&scope=repository:shared/x:pull";
        for (var creds : List.of(Map.entry("alice", "wrong"), Map.entry("mallory", "x"), Map.entry("admin", "alice-ldap-pw"),
                Map.entry("alice", ""))) {
            assertEquals(401, IssuerFixture.get(http, url, IssuerFixture.basic(creds.getKey(), creds.getValue())).statusCode(),
                    creds.getKey());
        }
    }
}
