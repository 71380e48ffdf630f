package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.KidFormat;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthServerConfigTest {
    private static final String MINIMAL = """
            server: {addr: "127.0.0.1:5001"}
            token: {issuer: iss, service: svc, certificate: t.crt, key: t.key}
            users: {"": {}}
            """;

    private static String errorKey(String yaml) {
        return assertThrows(ConfigException.class, () -> AuthServerConfig.parse(yaml, Path.of("/etc/auth"))).key();
    }

    @Test
    void docker_authStyleConfigParsesWithDefaults() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse("""
                server:
                  addr: ":5001"
                  certificate: /tls/tls.crt
                  key: /tls/tls.key
                token:
                  issuer: "Acme auth server"
                  service: "Acme registry"
                  expiration: 900
                users:
                  admin:
                    password: "$2y$05$LO.vzwpWC5LZGqThvEfznu8qhb5SGqvBSWY1J3yZ4AxtMRZ3kN5jC"
                  "": {}
                acl:
                  - match: {account: "admin"}
                    actions: ["*"]
                    comment: "Admin has full access to everything."
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                """, Path.of("/etc/auth"));
        assertEquals("0.0.0.0", c.server().host());
        assertEquals(5001, c.server().port());
        assertEquals(Path.of("/tls/tls.crt"), c.token().certificate(), "token certificate defaults to the server's, as in docker_auth");
        assertEquals(KidFormat.LIBTRUST, c.token().kidFormat());
        assertTrue(c.token().x5c());
        assertEquals(Duration.ofSeconds(900), c.token().expiration());
        assertEquals(Duration.ofDays(7), c.token().refreshExpiration());
        assertEquals(2, c.acl().size());
        assertEquals(2, c.users().size());
        assertEquals(5, c.throttle().maxFailures());
        assertEquals(50, c.throttle().maxAccountFailures(), "ten times the pair's budget");
    }

    @Test
    void relativePathsAreResolvedAgainstTheConfigFolder() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(MINIMAL + "users_file: users.yml\n", Path.of("/etc/auth"));
        assertEquals(Path.of("/etc/auth/t.crt"), c.token().certificate());
        assertEquals(Path.of("/etc/auth/users.yml"), c.usersFile());
    }

    @Test
    void mistakesNameTheirKey() {
        assertEquals("server.certificate", errorKey(MINIMAL.replace("127.0.0.1:5001", ":5001")));
        assertEquals("token.issuer", errorKey(MINIMAL.replace("issuer: iss, ", "")));
        assertEquals("token.service", errorKey(MINIMAL.replace("service: svc, ", "service: \"\", ")));
        assertEquals("token.expirtion", errorKey(MINIMAL.replace("service: svc,", "service: svc, expirtion: 5,")));
        assertEquals("token.expiration", errorKey(MINIMAL.replace("service: svc,", "service: svc, expiration: 30,")));
        assertEquals("token.expiration", errorKey(MINIMAL.replace("service: svc,", "service: svc, expiration: \"soon\",")));
        assertEquals("token.kidformat", errorKey(MINIMAL.replace("service: svc,", "service: svc, kidformat: x509,")));
        assertEquals("token.certificate", errorKey(MINIMAL.replace(", certificate: t.crt, key: t.key", "")));
        assertEquals("token.key", errorKey(MINIMAL.replace(", key: t.key", "")));
        assertEquals("users.alice.password", errorKey(MINIMAL.replace("users: {\"\": {}}", "users: {alice: {password: plaintext}}")));
        assertEquals("users", errorKey(MINIMAL.replace("users: {\"\": {}}\n", "")));
        assertEquals("acl[0].match.name", errorKey(MINIMAL + "acl:\n  - match: {name: \"/(/\"}\n    actions: []\n"));
        assertEquals("acl[0].match.name", errorKey(MINIMAL + "acl:\n  - match: {name: \"${user}/*\"}\n    actions: []\n"));
        assertEquals("acl[0].actions", errorKey(MINIMAL + "acl:\n  - match: {name: x}\n"));
        assertEquals("acl[0].match.ip", errorKey(MINIMAL + "acl:\n  - match: {ip: localhost}\n    actions: []\n"));
        assertEquals("acl[0].match.labels.group", errorKey(MINIMAL + "acl:\n  - match: {labels: {group: \"/(/\"}}\n    actions: []\n"));
        assertEquals("acl[0].match.labels", errorKey(MINIMAL + "acl:\n  - match: {labels: dev}\n    actions: []\n"));
        assertEquals("acl[0].match.owner", errorKey(MINIMAL + "acl:\n  - match: {owner: x}\n    actions: []\n"));
        assertEquals("google_auth.client_id", errorKey(MINIMAL + "google_auth: {domain: x}\n"));
        assertEquals("mongo_auth.dial_info.addrs", errorKey(MINIMAL + "mongo_auth: {dial_info: {database: d}}\n"));
        assertEquals("acl_mongo.dial_info.timeout", errorKey(MINIMAL + "acl_mongo: {dial_info: {addrs: [m], database: d, timeout: never}}\n"));
        assertEquals("ext_auth.command", errorKey(MINIMAL + "ext_auth: {command: check.sh}\n"));
        assertEquals("ext_authz.args", errorKey(MINIMAL + "ext_authz: {command: /bin/true, args: /tmp}\n"));
        // An external authenticator alone is authentication enough.
        assertDoesNotThrow(() -> AuthServerConfig.parse(MINIMAL.replace("users: {\"\": {}}\n", "ext_auth: {command: /bin/false}\n"), null));
        assertEquals("throttle.max_failures", errorKey(MINIMAL + "throttle: {max_failures: -1}\n"));
        assertEquals("throttle.max_account_failures", errorKey(MINIMAL + "throttle: {max_failures: 5, max_account_failures: 4}\n"));
    }

    @Test
    void plainHttpOffLoopbackNeedsExplicitOptIn() throws Exception {
        AuthServerConfig c = AuthServerConfig.parse(MINIMAL.replace("127.0.0.1:5001", ":5001").replace("server: {", "server: {insecure_http: true, "), null);
        assertFalse(c.server().tls());
    }

    @Test
    void commandPrintsOneLineAndExitsNonZeroOnBadConfig(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("auth.yml");
        Files.writeString(config, MINIMAL.replace("issuer: iss, ", ""));
        assertEquals(AuthServerCommand.EXIT_CONFIG, runCapturingStderr(List.of(config.toString()))[0].length());
        String err = runCapturingStderr(List.of(config.toString()))[1];
        assertEquals("auth-server: configuration error: token.issuer: required", err.strip());

        // A key that does not belong to the certificate is caught at start, not by every registry later.
        TestPki pki = new TestPki(dir, "t");
        TestPki.Issued a = pki.signing(dir, "a", TestPki.Alg.EC);
        TestPki.Issued b = pki.signing(dir, "b", TestPki.Alg.EC);
        Files.writeString(config, MINIMAL.replace("t.crt", a.cert().toString()).replace("t.key", b.key().toString()));
        String mismatch = runCapturingStderr(List.of(config.toString()))[1];
        assertTrue(mismatch.startsWith("auth-server: configuration error: token.key: "), mismatch);
        assertEquals(1, mismatch.strip().lines().count());

        assertEquals("usage: auth-server CONFIG.yml", runCapturingStderr(List.of())[1].strip());
    }

    @Test
    void everyMistakeIsReportedAtOnceTyposFirstWithTheKeyMeant() {
        ConfigException e = assertThrows(ConfigException.class, () -> AuthServerConfig.parse("""
                server: {addr: "127.0.0.1:5001"}
                token: {issuer: iss, service: svc, certficate: t.crt, key: t.key}
                users: {"": {}}
                throttle: {max_failures: -1}
                ldap_auth: {addr: "ldap.example:389", tsl: none}
                acls: []
                """, Path.of("/etc/auth")));
        assertEquals(List.of(
                "unknown key acls (did you mean acl?)",
                "unknown key token.certficate (did you mean token.certificate?)",
                "unknown key ldap_auth.tsl (did you mean ldap_auth.tls?)",
                "token.certificate: certificate and key go together",
                "throttle.max_failures: must be a whole number >= 0 (0 disables throttling)"), e.problems());
        assertEquals("acls", e.key(), "the first problem's key");
        assertEquals(List.of("unknown key token.color (known: certificate, expiration, issuer, key, kidformat, "
                        + "refresh_expiration, service, trusted_certificates, x5c)"),
                assertThrows(ConfigException.class, () -> AuthServerConfig.parse(MINIMAL.replace("service: svc,",
                        "service: svc, color: blue,"), null)).problems(), "no key is close: the known ones are listed");
    }

    @Test
    void eachBackendSectionReportsItsOwnMistake() {
        ConfigException e = assertThrows(ConfigException.class, () -> AuthServerConfig.parse(MINIMAL
                + "mongo_auth: {dial_info: {database: d}}\next_authz: {command: /bin/true, args: /tmp}\n", null));
        assertEquals(List.of("mongo_auth.dial_info.addrs", "ext_authz.args"),
                e.problems().stream().map(p -> p.substring(0, p.indexOf(':'))).toList(), e.getMessage());
    }

    @Test
    void commandPrintsEveryMistakeOnItsOwnLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("auth.yml");
        Files.writeString(config, MINIMAL.replace("issuer: iss, ", "isuser: iss, ") + "throttle: {max_failures: -1}\n");
        String[] run = runCapturingStderr(List.of(config.toString()));
        assertEquals(AuthServerCommand.EXIT_CONFIG, run[0].length());
        assertEquals(List.of(
                "auth-server: configuration error: unknown key token.isuser (did you mean token.issuer?)",
                "auth-server: configuration error: token.issuer: required",
                "auth-server: configuration error: throttle.max_failures: must be a whole number >= 0 (0 disables throttling)"),
                run[1].strip().lines().toList());
    }

    /** Runs the command; returns {exit code as a string of that many characters, stderr}. */
    private static String[] runCapturingStderr(List<String> args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = AuthServerCommand.run(args);
        } finally {
            System.setErr(saved);
        }
        return new String[] {"x".repeat(code), buf.toString(StandardCharsets.UTF_8)};
    }
}
