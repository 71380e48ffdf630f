package dev.portcullis.registry.authserver;

import dev.portcullis.registry.clients.ContainerdNode;
import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.Set;

import static dev.portcullis.registry.authserver.IssuerFixture.ISSUER;
import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * skopeo (and ctr, with the OAuth2 password grant) log in, push and pull through a Portcullis registry with {@code auth.token}, the tokens coming from our
 * issuer with the accounts in an LDAP directory (LDAPS); a group's namespace is granted from {@code memberOf}.
 */
class LdapTokenDanceTest {
    @TempDir
    static Path dir;
    static TestDirectory directory;
    static AuthServer issuer;
    static TokenModeRegistry registry;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        directory = new TestDirectory(dir.resolve("ldap"));
        TestPki pki = new TestPki(dir, "ldap-dance");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), signing, null, """
                acl:
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                  - match: {account: "/.+/", name: "${labels:groups}/*"}
                    actions: ["push", "pull"]
                """ + directory.section("ldaps", directory.pki.caFile()));
        issuer = AuthServer.start(AuthServerConfig.load(config));
        registry = TokenModeRegistry.start(dir, pki, issuer);
        image = TokenModeRegistry.randomImage(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        TokenModeRegistry.closeAll(registry, issuer, directory);
    }

    @Test
    void ldapUserLogsInPushesAndPulls() throws Exception {
        Path alice = registry.login("alice", "alice-ldap-pw");
        TokenModeRegistry.Exit push = registry.copy(alice, "oci:" + image + ":latest", registry.ref("alice/app:v1"));
        assertEquals(0, push.code(), push.output());
        TokenModeRegistry.Exit pull = registry.copy(alice, registry.ref("alice/app:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        assertEquals(TokenModeRegistry.blobs(image), TokenModeRegistry.blobs(dir.resolve("pulled")));
    }

    @Test
    void groupNamespaceFromMemberOfAndNothingElse() throws Exception {
        Path bob = registry.login("bob", "bob-ldap-pw");
        TokenModeRegistry.Exit group = registry.copy(bob, "oci:" + image + ":latest", registry.ref("developers/tool:v1"));
        assertEquals(0, group.code(), "bob is in cn=Developers: " + group.output());
        TokenModeRegistry.Exit other = registry.copy(bob, "oci:" + image + ":latest", registry.ref("admins/tool:v1"));
        assertNotEquals(0, other.code(), "bob is not in cn=Admins: " + other.output());
    }

    @Test
    void ctrPullsAndPushesWithAnLdapAccountThroughTheOAuth2Dance() throws Exception {
        RequiredTool.CONTAINERD.require();
        RequiredTool.CTR.require();
        TokenModeRegistry.Exit seed = registry.copy(registry.login("carol", "carol-ldap-pw"), "oci:" + image + ":latest", registry.ref("carol/app:v1"));
        assertEquals(0, seed.code(), seed.output());
        String host = registry.hostPort();
        Path hostsDir = registry.hostsDir("pull", "resolve", "push");
        Set<String> secrets = Set.of("carol-ldap-pw", "bob-ldap-pw");
        Duration slow = Duration.ofSeconds(180);
        try (ContainerdNode ctd = ContainerdNode.start()) {
            Exec.Result r = ctd.ctr(List.of("images", "pull", "--hosts-dir", hostsDir.toString(), "--user", "carol:carol-ldap-pw",
                    "--snapshotter", "native", host + "/carol/app:v1"), secrets, slow);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/carol/app:v1", host + "/carol/from-ctr:v1"), secrets,
                    Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "carol:carol-ldap-pw",
                    host + "/carol/from-ctr:v1"), secrets, slow);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/carol/app:v1", host + "/carol/by-bob:v1"), secrets,
                    Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "bob:bob-ldap-pw",
                    host + "/carol/by-bob:v1"), secrets, slow);
            assertNotEquals(0, r.exitCode(), "bob may not push into carol's namespace: " + r.output());
        }
    }

    @Test
    void wrongLdapPasswordCannotLogIn() throws Exception {
        TokenModeRegistry.Exit login = registry.tryLogin("alice", "not-her-password", dir.resolve("wrong.json"));
        assertNotEquals(0, login.code(), login.output());
    }
}
