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
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * skopeo and ctr log in, push and pull through a Portcullis registry with {@code auth.token}, the tokens coming from our
 * issuer with the accounts decided by an external program ({@code ext_auth}, src/test/resources/ext/ext_auth.sh, which
 * knows alice with the password "right pw" and labels her group dev and ops); a group's namespace is granted from the
 * labels the program prints.
 */
class ExternalTokenDanceTest {
    /** ext_auth.sh's one account; the space shows a password reaches the program whole through every client. */
    static final String PASSWORD = "right pw";

    @TempDir
    static Path dir;
    static AuthServer issuer;
    static TokenModeRegistry registry;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        Path program = Path.of(ExternalTokenDanceTest.class.getResource("/ext/ext_auth.sh").toURI());
        assertTrue(program.toFile().setExecutable(true), "chmod +x " + program);
        Path markers = Files.createDirectories(dir.resolve("markers"));
        TestPki pki = new TestPki(dir, "ext-dance");
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), pki.signing(dir, "token-signing", TestPki.Alg.EC), null, """
                acl:
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                  - match: {account: "/.+/", name: "${labels:group}/*"}
                    actions: ["push", "pull"]
                ext_auth:
                  command: "%s"
                  args: ["%s"]
                """.formatted(program, markers));
        issuer = AuthServer.start(AuthServerConfig.load(config));
        registry = TokenModeRegistry.start(dir, pki, issuer);
        image = TokenModeRegistry.randomImage(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        TokenModeRegistry.closeAll(registry, issuer);
    }

    @Test
    void programsAccountLogsInPushesAndPulls() throws Exception {
        Path alice = registry.login("alice", PASSWORD);
        TokenModeRegistry.Exit push = registry.copy(alice, "oci:" + image + ":latest", registry.ref("alice/app:v1"));
        assertEquals(0, push.code(), push.output());
        TokenModeRegistry.Exit pull = registry.copy(alice, registry.ref("alice/app:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        assertEquals(TokenModeRegistry.blobs(image), TokenModeRegistry.blobs(dir.resolve("pulled")));
    }

    @Test
    void groupNamespaceFromTheProgramsLabelsAndNothingElse() throws Exception {
        Path alice = registry.login("alice", PASSWORD);
        TokenModeRegistry.Exit group = registry.copy(alice, "oci:" + image + ":latest", registry.ref("ops/tool:v1"));
        assertEquals(0, group.code(), "the program labels alice ops: " + group.output());
        TokenModeRegistry.Exit other = registry.copy(alice, "oci:" + image + ":latest", registry.ref("admins/tool:v1"));
        assertNotEquals(0, other.code(), "alice is not in admins: " + other.output());
    }

    @Test
    void ctrPullsAndPushesWithTheProgramsAccountThroughTheOAuth2Dance() throws Exception {
        RequiredTool.CONTAINERD.require();
        RequiredTool.CTR.require();
        TokenModeRegistry.Exit seed = registry.copy(registry.login("alice", PASSWORD), "oci:" + image + ":latest", registry.ref("alice/ctr:v1"));
        assertEquals(0, seed.code(), seed.output());
        String host = registry.hostPort();
        Path hostsDir = registry.hostsDir("pull", "resolve", "push");
        Set<String> secrets = Set.of(PASSWORD);
        Duration slow = Duration.ofSeconds(180);
        try (ContainerdNode ctd = ContainerdNode.start()) {
            Exec.Result r = ctd.ctr(List.of("images", "pull", "--hosts-dir", hostsDir.toString(), "--user", "alice:" + PASSWORD,
                    "--snapshotter", "native", host + "/alice/ctr:v1"), secrets, slow);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/ctr:v1", host + "/alice/from-ctr:v1"), secrets,
                    Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "alice:" + PASSWORD,
                    host + "/alice/from-ctr:v1"), secrets, slow);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/ctr:v1", host + "/admins/from-ctr:v1"), secrets,
                    Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "alice:" + PASSWORD,
                    host + "/admins/from-ctr:v1"), secrets, slow);
            assertNotEquals(0, r.exitCode(), "alice may not push into admins/: " + r.output());
        }
    }

    @Test
    void programDeniesAWrongPasswordAndAnUnknownAccount() throws Exception {
        TokenModeRegistry.Exit wrong = registry.tryLogin("alice", "not-her-password", dir.resolve("wrong.json"));
        assertNotEquals(0, wrong.code(), wrong.output());
        TokenModeRegistry.Exit stranger = registry.tryLogin("stranger", PASSWORD, dir.resolve("stranger.json"));
        assertNotEquals(0, stranger.code(), stranger.output());
    }
}
