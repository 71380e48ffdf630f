package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ldap_auth} against a real LDAP server (UnboundID's in-memory directory), over LDAPS, StartTLS and plain. */
class LdapLoginTest {
    @TempDir
    static Path dir;
    static TestDirectory directory;

    @BeforeAll
    static void startDirectory() throws Exception {
        directory = new TestDirectory(dir);
    }

    @AfterAll
    static void stopDirectory() {
        directory.close();
    }

    private static LdapSettings settings(String yaml) throws ConfigException {
        AuthServerConfig c = AuthServerConfig.parse("""
                server: {addr: "127.0.0.1:0"}
                token: {issuer: iss, certificate: t.crt, key: t.key}
                """ + yaml, dir);
        return (LdapSettings) c.backends().get(0);
    }

    private static LoginBackend ldaps() throws ConfigException {
        return settings(directory.section("ldaps", directory.pki.caFile())).start();
    }

    @Test
    void rightPasswordLogsInWithLabelsFromMemberOf() throws Exception {
        try (LoginBackend ldap = ldaps()) {
            LoginResult r = ldap.authenticate("alice", "alice-ldap-pw", "10.0.0.1");
            assertEquals(LoginResult.Outcome.ALLOWED, r.outcome());
            assertEquals(Map.of("groups", List.of("admins", "developers")), r.labels(), "CNs of memberOf, lower-cased");
            assertEquals(LoginResult.allowed(Map.of()), ldap.authenticate("carol", "carol-ldap-pw", "10.0.0.1"),
                    "no memberOf: no label");
        }
    }

    @Test
    void wrongPasswordIsDeniedAndUnknownUserIsNoMatch() throws Exception {
        try (LoginBackend ldap = ldaps()) {
            assertEquals(LoginResult.Outcome.DENIED, ldap.authenticate("alice", "bob-ldap-pw", "10.0.0.1").outcome());
            assertEquals(LoginResult.Outcome.NO_MATCH, ldap.authenticate("mallory", "x", "10.0.0.1").outcome(),
                    "an account the directory does not have is left to the next backend");
        }
    }

    @Test
    void emptyPasswordNeverLogsIn() throws Exception {
        try (LoginBackend ldap = ldaps()) {
            // An LDAP simple bind with a DN and no password is an "unauthenticated bind" that servers accept.
            assertEquals(LoginResult.Outcome.DENIED, ldap.authenticate("alice", "", "10.0.0.1").outcome());
        }
    }

    @Test
    void filterInjectionDoesNotWidenTheSearch() throws Exception {
        try (LoginBackend ldap = ldaps()) {
            // Unescaped, "*)(uid=*" would make the filter match every person; escaped, it names nobody.
            assertEquals(LoginResult.Outcome.NO_MATCH, ldap.authenticate("*)(uid=*", "alice-ldap-pw", "10.0.0.1").outcome());
            assertEquals(LoginResult.Outcome.NO_MATCH, ldap.authenticate("*", "alice-ldap-pw", "10.0.0.1").outcome());
            assertEquals(LoginResult.Outcome.NO_MATCH, ldap.authenticate("al*", "alice-ldap-pw", "10.0.0.1").outcome());
        }
    }

    @Test
    void moreThanOneEntryIsDenied() throws Exception {
        try (LoginBackend ldap = ldaps()) {
            assertEquals(LoginResult.Outcome.DENIED, ldap.authenticate("twin", "twin-pw", "10.0.0.1").outcome());
        }
    }

    @Test
    void startTlsAndPlainListenersWork() throws Exception {
        try (LoginBackend ldap = settings(directory.section("starttls", directory.pki.caFile())).start()) {
            assertEquals(LoginResult.Outcome.ALLOWED, ldap.authenticate("bob", "bob-ldap-pw", "10.0.0.1").outcome());
            assertEquals(LoginResult.Outcome.DENIED, ldap.authenticate("bob", "nope", "10.0.0.1").outcome());
        }
        try (LoginBackend ldap = settings(directory.section("ldap", null)).start()) {
            assertEquals(LoginResult.Outcome.ALLOWED, ldap.authenticate("bob", "bob-ldap-pw", "10.0.0.1").outcome());
        }
    }

    @Test
    void aCertificateFromAnotherCaFailsClosed() throws Exception {
        TestPki other = new TestPki(dir.resolve("other"), "other-ca");
        for (String listener : List.of("ldaps", "starttls")) {
            try (LoginBackend ldap = settings(directory.section(listener, other.caFile())).start()) {
                LoginResult r = ldap.authenticate("alice", "alice-ldap-pw", "10.0.0.1");
                assertEquals(LoginResult.Outcome.ERROR, r.outcome(), listener);
                assertTrue(!r.detail().contains("alice-ldap-pw"), "the detail never holds the password");
            }
        }
    }

    @Test
    void aCertificateForAnotherHostFailsClosed() throws Exception {
        try (TestDirectory impostor = new TestDirectory(dir.resolve("impostor"), 0, false)) {
            for (String listener : List.of("ldaps", "starttls")) {
                try (LoginBackend ldap = settings(impostor.section(listener, impostor.pki.caFile())).start()) {
                    assertEquals(LoginResult.Outcome.ERROR, ldap.authenticate("alice", "alice-ldap-pw", "10.0.0.1").outcome(),
                            listener + ": the right CA, but not a certificate for 127.0.0.1");
                }
            }
        }
    }

    @Test
    void aDirectoryThatIsDownFailsLdapLoginsClosedWhileStaticUsersKeepWorking() throws Exception {
        try (TestDirectory doomed = new TestDirectory(dir.resolve("doomed"), DistributionProcess.freePort())) {
            LoginBackend ldap = settings(doomed.section("ldaps", doomed.pki.caFile())).start();
            IssuerMetrics metrics = new IssuerMetrics();
            Authenticator auth = new Authenticator(new UserStore(Map.of("static", IssuerFixture.hash("static-pw"))), List.of(),
                    new LoginThrottle(5, 50, Duration.ofMinutes(1), Duration.ofMinutes(1), Clock.systemUTC()), List.of(ldap), metrics);
            assertInstanceOf(Authenticator.Success.class, auth.login("alice", "alice-ldap-pw", "10.0.0.1"));
            doomed.server.shutDown(true);
            assertInstanceOf(Authenticator.Unavailable.class, auth.login("alice", "alice-ldap-pw", "10.0.0.1"));
            assertEquals(1, metrics.logins("ldap_auth", "error"));
            assertInstanceOf(Authenticator.Success.class, auth.login("static", "static-pw", "10.0.0.1"));
            doomed.server.startListening();
            assertInstanceOf(Authenticator.Success.class, auth.login("alice", "alice-ldap-pw", "10.0.0.1"),
                    "the pool reconnects when the directory is back");
            ldap.close();
        }
    }

    @Test
    void misconfigurationsFailAtStartNamingTheKey() throws Exception {
        String good = directory.section("ldaps", directory.pki.caFile());
        assertEquals("ldap_auth.tls", key(good.replace("tls: always", "tls: sometimes")));
        assertEquals("ldap_auth.initial_bind_as_user", key(good + "  initial_bind_as_user: true\n"));
        assertEquals("ldap_auth.tls", key(good.replace("  tls: always\n", "").replace(":" + directory.port("ldaps"), ":389")),
                "no silent plain text on 389");
        assertEquals("ldap_auth.filter", key(good.replace("(&(uid=${account})(objectClass=inetOrgPerson))", "(uid=alice)")));
        assertEquals("ldap_auth.filter", key(good.replace("(&(uid=${account})(objectClass=inetOrgPerson))", "(uid=${account}")));
        assertEquals("ldap_auth.base", key(good.replace("base: \"" + TestDirectory.BASE, "base: \"not a dn")));
        assertEquals("ldap_auth.insecure_tls_skip_verify", key(good + "  insecure_tls_skip_verify: true\n"),
                "skipping verification contradicts a CA");
        assertEquals("ldap_auth.insecure_tls_skip_verify", key(directory.section("ldaps", null) + "  insecure_tls_skip_verify: \"on request\"\n"));
        assertEquals("ldap_auth.bind_password_file", startKey(good.replace(directory.bindPasswordFile.toString(), "/nonexistent/pw")));
        Path wrong = dir.resolve("wrong-bind-password");
        Files.writeString(wrong, "not-the-password");
        assertEquals("ldap_auth.bind_dn", startKey(good.replace(directory.bindPasswordFile.toString(), wrong.toString())));
    }

    @Test
    void skipVerifyWhenSpelledOutConnectsToAnUntrustedCertificate() throws Exception {
        try (LoginBackend ldap = settings(directory.section("ldaps", null) + "  insecure_tls_skip_verify: true\n").start()) {
            assertEquals(LoginResult.Outcome.ALLOWED, ldap.authenticate("bob", "bob-ldap-pw", "10.0.0.1").outcome());
        }
    }

    private static String key(String yaml) {
        return assertThrows(ConfigException.class, () -> settings(yaml)).key();
    }

    private static String startKey(String yaml) throws ConfigException {
        LdapSettings s = settings(yaml);
        return assertThrows(ConfigException.class, s::start).key();
    }
}
