package dev.portcullis.registry.authserver;

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
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.portcullis.registry.authserver.IssuerFixture.ISSUER;
import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A CI job's flow with no registry secret: skopeo logs in with the job's OIDC ID token (from mock-oauth2-server over
 * HTTPS) as the password and the token's {@code repository} claim as the user name, then pushes and pulls through a
 * Portcullis registry with {@code auth.token}; the ACL grants push on the owner's namespace to the main branch only.
 */
class OidcFederationTokenDanceTest {
    static final String AUDIENCE = "https://registry.portcullis.test";
    @TempDir
    static Path dir;
    static TestOpenIdProvider provider;
    static AuthServer issuer;
    static RunningRegistry registry;
    static Path certDir;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        TestPki pki = new TestPki(dir, "federation-dance");
        provider = new TestOpenIdProvider(pki, dir);
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), signing, null, """
                acl:
                  - match: {account: "/.+/", labels: {ref: "refs/heads/main"}, name: "${labels:owner}/*"}
                    actions: ["push", "pull"]
                  - match: {account: "/.+/", name: "${labels:owner}/*"}
                    actions: ["pull"]
                oidc_federation:
                  issuers:
                    ci:
                      issuer: "%s"
                      audience: "%s"
                      account_claim: repository
                      labels: {owner: repository_owner, ref: ref}
                      claims: {repository_owner: acme}
                      ca_certificate: "%s"
                """.formatted(provider.issuer(), AUDIENCE, pki.caFile()));
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
        if (provider != null) {
            provider.close();
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
        Path authFile = Files.createTempFile(dir, "auth", ".json");
        Files.delete(authFile);
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

    private static String ciToken(String ref) {
        return provider.token(TestOpenIdProvider.ISSUER_ID, "repo:acme/app:ref:" + ref, AUDIENCE,
                new java.util.HashMap<>(Map.of("repository", "acme/app", "repository_owner", "acme", "ref", ref)), 300);
    }

    @Test
    void mainBranchJobPushesAndPullsWithItsIdToken() throws Exception {
        Path job = login("acme/app", ciToken("refs/heads/main"));
        Exit push = copy(job, "oci:" + image + ":latest", ref("acme/tool:v1"));
        assertEquals(0, push.code(), push.output());
        Exit pull = copy(job, ref("acme/tool:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        try (var blobs = Files.list(dir.resolve("pulled/blobs/sha256"));
             var pushed = Files.list(image.resolve("blobs/sha256"))) {
            assertEquals(pushed.map(Path::getFileName).sorted().toList(), blobs.map(Path::getFileName).sorted().toList());
        }
    }

    @Test
    void featureBranchJobMayNotPush() throws Exception {
        Path job = login("acme/app", ciToken("refs/heads/feature"));
        Exit push = copy(job, "oci:" + image + ":latest", ref("acme/feature:v1"));
        assertNotEquals(0, push.code(), "a feature branch only pulls: " + push.output());
    }

    @Test
    void tokenUnderAnotherUserNameCannotLogIn() throws Exception {
        Exit login = skopeo(ciToken("refs/heads/main"), "login", "--cert-dir", certDir.toString(), "--authfile",
                dir.resolve("wrong.json").toString(), "--username", "acme/other", "--password-stdin", registry.hostPort());
        assertNotEquals(0, login.code(), login.output());
    }
}
