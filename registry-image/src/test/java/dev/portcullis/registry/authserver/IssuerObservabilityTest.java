package dev.portcullis.registry.authserver;

import dev.portcullis.registry.logging.LogSetup;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.LogManager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The issuer's log lines in the registry's format ({@code log.formatter} text or json, through LogSetup) carrying no
 * password, token or bind password; and its per-backend login metrics on {@code metrics.addr}.
 */
class IssuerObservabilityTest {
    @TempDir
    Path dir;

    private AuthServerConfig config(TestDirectory ldap, String formatter) throws Exception {
        TestPki pki = new TestPki(dir.resolve("pki"), "ca");
        TestPki.Issued tls = pki.server(dir.resolve("pki"), "auth");
        Path file = dir.resolve("auth_config.yml");
        Files.writeString(file, """
                server: {addr: "127.0.0.1:0", certificate: "%s", key: "%s"}
                token: {issuer: iss, service: svc}
                users:
                  static: {password: "%s"}
                log: {level: info, formatter: %s, fields: {service: auth-server}}
                metrics: {addr: "127.0.0.1:0"}
                acl:
                  - match: {account: "/.+/"}
                    actions: ["pull"]
                %s
                """.formatted(tls.cert(), tls.key(), IssuerFixture.hash("static-secret-pw"), formatter,
                ldap.section("ldaps", ldap.pki.caFile())));
        return AuthServerConfig.load(file);
    }

    /** Runs logins of every kind with LogSetup writing to a buffer; returns what was logged. */
    private String logsOf(String formatter) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        try (TestDirectory ldap = new TestDirectory(dir.resolve(formatter))) {
            AuthServerConfig c = config(ldap, formatter);
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            LogSetup.apply(c.log());
            try (AuthServer server = AuthServer.start(c)) {
                HttpClient http = IssuerFixture.client(dir.resolve("pki").resolve("ca-ca.crt"));
                String url = "https://127.0.0.1:" + server.port() + "/auth?service=svc&scope=repository:x:pull";
                String token = IssuerFixture.get(http, url, IssuerFixture.basic("alice", "alice-ldap-pw")).body();
                assertTrue(token.contains("\"token\""), token);
                IssuerFixture.get(http, url, IssuerFixture.basic("alice", "wrong-secret-pw"));
                IssuerFixture.get(http, url, IssuerFixture.basic("static", "static-secret-pw"));
                ldap.server.shutDown(true);
                assertEquals(503, IssuerFixture.get(http, url, IssuerFixture.basic("bob", "bob-ldap-pw")).statusCode());
                String jwt = new com.fasterxml.jackson.databind.ObjectMapper().readTree(token).path("token").asText();
                String logged = buf.toString(StandardCharsets.UTF_8);
                for (String secret : new String[] {"alice-ldap-pw", "wrong-secret-pw", "static-secret-pw", "bob-ldap-pw",
                        TestDirectory.READER_PASSWORD, jwt}) {
                    assertFalse(logged.contains(secret), "logged a secret: " + secret);
                }
                return logged;
            }
        } finally {
            System.setErr(saved);
            LogManager.getLogManager().readConfiguration();
        }
    }

    @Test
    void textLogsAreTheRegistrysFormat() throws Exception {
        String logged = logsOf("text");
        assertTrue(logged.lines().anyMatch(l -> l.matches("\\S+ level=info service=auth-server msg=\"token issued: account=alice .*")), logged);
        assertTrue(logged.lines().anyMatch(l -> l.contains("level=warning") && l.contains("backend=ldap_auth account=bob")), logged);
        assertTrue(logged.lines().noneMatch(l -> l.startsWith("WARNING:") || l.startsWith("INFO:")), "no java.util.logging two-line format");
    }

    @Test
    void jsonLogsAreOneObjectPerLine() throws Exception {
        String logged = logsOf("json");
        for (String line : logged.lines().toList()) {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            assertTrue(node.has("level") && node.has("msg") && node.has("time"), line);
        }
        assertTrue(logged.contains("\"msg\":\"login failed: account=alice address=127.0.0.1 backend=ldap_auth\""), logged);
    }

    @Test
    void loginsAreCountedPerBackendOnMetricsAddr() throws Exception {
        try (TestDirectory ldap = new TestDirectory(dir.resolve("m"));
             AuthServer server = AuthServer.start(config(ldap, "text"))) {
            HttpClient http = IssuerFixture.client(dir.resolve("pki").resolve("ca-ca.crt"));
            String url = "https://127.0.0.1:" + server.port() + "/auth?service=svc&scope=repository:x:pull";
            assertEquals(200, IssuerFixture.get(http, url, IssuerFixture.basic("alice", "alice-ldap-pw")).statusCode());
            assertEquals(401, IssuerFixture.get(http, url, IssuerFixture.basic("alice", "nope")).statusCode());
            assertEquals(401, IssuerFixture.get(http, url, IssuerFixture.basic("nobody", "nope")).statusCode());
            assertEquals(200, IssuerFixture.get(http, url, IssuerFixture.basic("static", "static-secret-pw")).statusCode());
            ldap.server.shutDown(true);
            assertEquals(503, IssuerFixture.get(http, url, IssuerFixture.basic("bob", "bob-ldap-pw")).statusCode());
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("authserver_logins_total{backend=\"ldap_auth\",result=\"allowed\"} 1.0"), metrics);
            assertTrue(metrics.contains("authserver_logins_total{backend=\"ldap_auth\",result=\"denied\"} 1.0"), metrics);
            assertTrue(metrics.contains("authserver_logins_total{backend=\"ldap_auth\",result=\"no_match\"} 1.0"), metrics);
            assertTrue(metrics.contains("authserver_logins_total{backend=\"ldap_auth\",result=\"error\"} 1.0"), metrics);
            assertTrue(metrics.contains("authserver_logins_total{backend=\"users\",result=\"allowed\"} 1.0"), metrics);
            assertTrue(metrics.contains("authserver_login_duration_seconds_count{backend=\"ldap_auth\"} 4"), metrics);
            assertTrue(metrics.contains("authserver_tokens_issued_total 2.0"), metrics);
        }
    }
}
