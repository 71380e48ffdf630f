package dev.portcullis.registry.authserver;

import dev.portcullis.registry.clients.ContainerdNode;
import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.testimage.RandomImageLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

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
    static RunningRegistry registry;
    static Path certDir;
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
        Path bundle = dir.resolve("token-bundle.pem");
        Files.writeString(bundle, IssuerFixture.get(IssuerFixture.client(pki.caFile()),
                "https://127.0.0.1:" + issuer.port() + "/certs.pem", null).body());
        TestPki.Issued registryTls = pki.server(dir, "registry-tls");
        Path root = dir.resolve("storage");
        registry = RunningRegistry.startYaml("""
                version: 0.1
                log: {level: info, accesslog: {disabled: true}}
                storage:
                  filesystem: {rootdirectory: %s}
                http:
                  addr: 127.0.0.1:%d
                  tls: {certificate: %s, key: %s}
                auth:
                  token:
                    realm: https://127.0.0.1:%d/auth
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(root, DistributionProcess.freePort(), registryTls.cert(), registryTls.key(), issuer.port(),
                SERVICE, ISSUER, bundle), root, Map.of());
        certDir = Files.createDirectories(dir.resolve("certs.d"));
        Files.copy(pki.caFile(), certDir.resolve("ca.crt"));
        image = dir.resolve("image");
        RandomImageLayout.write(image, 2, 0.2, 7, true);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (directory != null) {
            directory.close();
        }
    }

    /** Runs skopeo with a private HOME; the password goes on stdin, never on the command line. */
    private static Exit skopeo(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "skopeo", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Exit(-1, "timed out: " + cmd);
        }
        return new Exit(p.exitValue(), Files.readString(out));
    }

    record Exit(int code, String output) {
    }

    private static Path login(String user, String password) throws Exception {
        Path authFile = dir.resolve("auth-" + user + "-" + password.length() + ".json");
        Exit login = skopeo(password, "login", "--cert-dir", certDir.toString(), "--authfile", authFile.toString(),
                "--username", user, "--password-stdin", registry.hostPort());
        assertEquals(0, login.code(), login.output());
        return authFile;
    }

    private static Exit copy(Path authFile, String from, String to) throws Exception {
        return skopeo(null, "--insecure-policy", "copy", "--retry-times", "0",
                "--src-cert-dir", certDir.toString(), "--dest-cert-dir", certDir.toString(),
                "--src-authfile", authFile.toString(), "--dest-authfile", authFile.toString(), from, to);
    }

    private static String ref(String repoTag) {
        return "docker://" + registry.hostPort() + "/" + repoTag;
    }

    @Test
    void ldapUserLogsInPushesAndPulls() throws Exception {
        Path alice = login("alice", "alice-ldap-pw");
        Exit push = copy(alice, "oci:" + image + ":latest", ref("alice/app:v1"));
        assertEquals(0, push.code(), push.output());
        Exit pull = copy(alice, ref("alice/app:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        try (var blobs = Files.list(dir.resolve("pulled/blobs/sha256"));
             var pushed = Files.list(image.resolve("blobs/sha256"))) {
            assertEquals(pushed.map(Path::getFileName).sorted().toList(), blobs.map(Path::getFileName).sorted().toList());
        }
    }

    @Test
    void groupNamespaceFromMemberOfAndNothingElse() throws Exception {
        Path bob = login("bob", "bob-ldap-pw");
        Exit group = copy(bob, "oci:" + image + ":latest", ref("developers/tool:v1"));
        assertEquals(0, group.code(), "bob is in cn=Developers: " + group.output());
        Exit other = copy(bob, "oci:" + image + ":latest", ref("admins/tool:v1"));
        assertNotEquals(0, other.code(), "bob is not in cn=Admins: " + other.output());
    }

    @Test
    void ctrPullsAndPushesWithAnLdapAccountThroughTheOAuth2Dance() throws Exception {
        RequiredTool.CONTAINERD.require();
        RequiredTool.CTR.require();
        Exit seed = copy(login("carol", "carol-ldap-pw"), "oci:" + image + ":latest", ref("carol/app:v1"));
        assertEquals(0, seed.code(), seed.output());
        String host = registry.hostPort();
        Path hostsDir = dir.resolve("hosts.d");
        Files.writeString(Files.createDirectories(hostsDir.resolve(host)).resolve("hosts.toml"), """
                server = "https://%s"
                [host."https://%s"]
                  capabilities = ["pull", "resolve", "push"]
                  ca = "%s"
                """.formatted(host, host, certDir.resolve("ca.crt")));
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
        Exit login = skopeo("not-her-password", "login", "--cert-dir", certDir.toString(), "--authfile",
                dir.resolve("wrong.json").toString(), "--username", "alice", "--password-stdin", registry.hostPort());
        assertNotEquals(0, login.code(), login.output());
    }
}
