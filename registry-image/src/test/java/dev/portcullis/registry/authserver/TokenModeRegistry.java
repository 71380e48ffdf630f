package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.testimage.RandomImageLayout;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.portcullis.registry.authserver.IssuerFixture.ISSUER;
import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Portcullis registry in token mode trusting an in-process issuer (the bundle it publishes at /certs.pem), over TLS
 * from the test CA, and the skopeo and ctr helpers the token-dance tests drive it with. The skopeo and hosts.toml
 * helpers are static too, for the contract that runs the same dance against CNCF Distribution.
 */
final class TokenModeRegistry implements AutoCloseable {
    private final Path dir;
    private final Path caFile;
    private final RunningRegistry registry;
    private final Path certDir;

    private TokenModeRegistry(Path dir, Path caFile, RunningRegistry registry, Path certDir) {
        this.dir = dir;
        this.caFile = caFile;
        this.registry = registry;
        this.certDir = certDir;
    }

    /** Starts the registry with its storage under {@code dir}/storage; {@code dir} also holds logs and skopeo's HOME. */
    static TokenModeRegistry start(Path dir, TestPki pki, AuthServer issuer) throws Exception {
        Path bundle = publishedBundle(dir, IssuerFixture.client(pki.caFile()), issuer);
        TestPki.Issued tls = pki.server(dir, "registry-tls");
        Path root = dir.resolve("storage");
        RunningRegistry registry = RunningRegistry.startYaml("""
                version: 0.1
                log: {level: info, accesslog: {disabled: true}}
                storage:
                  filesystem: {rootdirectory: %s}
                http:
                  addr: 127.0.0.1:%d
                  tls: {certificate: %s, key: %s}
                """.formatted(root, DistributionProcess.freePort(), tls.cert(), tls.key())
                + tokenAuthYaml(issuer, bundle), root, Map.of());
        return new TokenModeRegistry(dir, pki.caFile(), registry, certDir(dir, pki.caFile()));
    }

    /** Writes exactly what the issuer publishes as its certificate bundle: what a registry's rootcertbundle gets. */
    static Path publishedBundle(Path dir, HttpClient http, AuthServer issuer) throws Exception {
        Path bundle = dir.resolve("token-bundle.pem");
        Files.writeString(bundle, IssuerFixture.get(http, "https://127.0.0.1:" + issuer.port() + "/certs.pem", null).body());
        return bundle;
    }

    /** The Distribution config's {@code auth.token} section trusting {@code issuer}. */
    static String tokenAuthYaml(AuthServer issuer, Path bundle) {
        return """
                auth:
                  token:
                    realm: https://127.0.0.1:%d/auth
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(issuer.port(), SERVICE, ISSUER, bundle);
    }

    /** containers/image reads *.crt in a cert dir as CAs, for the registry and for the token realm alike. */
    static Path certDir(Path dir, Path caFile) throws Exception {
        Path certDir = Files.createDirectories(dir.resolve("certs.d"));
        Files.copy(caFile, certDir.resolve("ca.crt"));
        return certDir;
    }

    /**
     * A hosts.toml for {@code hostPort} under {@code dir}/hosts.d, trusting {@code caFile}: containerd uses that CA for
     * the token realm too. Returns the hosts directory to hand to ctr.
     */
    static Path hostsDir(Path dir, String hostPort, Path caFile, List<String> capabilities) throws Exception {
        Path hostsDir = dir.resolve("hosts.d");
        Files.writeString(Files.createDirectories(hostsDir.resolve(hostPort)).resolve("hosts.toml"), """
                server = "https://%s"
                [host."https://%s"]
                  capabilities = [%s]
                  ca = "%s"
                """.formatted(hostPort, hostPort, capabilities.stream().map(c -> "\"" + c + "\"").collect(Collectors.joining(", ")),
                        caFile));
        return hostsDir;
    }

    /** The image the dances push and pull: a random two-layer OCI layout under {@code dir}/image. */
    static Path randomImage(Path dir) throws Exception {
        Path image = dir.resolve("image");
        RandomImageLayout.write(image, 2, 0.2, 7, true);
        return image;
    }

    /** Closes what a test class started, in the order given, skipping what never started. */
    static void closeAll(AutoCloseable... started) throws Exception {
        for (AutoCloseable c : started) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** The blob file names of an OCI layout: equal lists mean manifest, config and layers came back byte for byte. */
    static List<String> blobs(Path layout) throws Exception {
        try (Stream<Path> s = Files.list(layout.resolve("blobs/sha256"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    record Exit(int code, String output) {
    }

    /** Runs skopeo with a private HOME under {@code dir} (no user auth files or registries.conf surprises). */
    static Exit skopeo(Path dir, String stdin, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        cmd.addAll(args);
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
            return new Exit(-1, "timed out: " + String.join(" ", cmd) + "\n" + Files.readString(out));
        }
        return new Exit(p.exitValue(), Files.readString(out));
    }

    String hostPort() {
        return registry.hostPort();
    }

    Path certDir() {
        return certDir;
    }

    String ref(String repoTag) {
        return "docker://" + hostPort() + "/" + repoTag;
    }

    /** skopeo against this registry; a password goes on stdin, never on the command line. */
    Exit skopeo(String stdin, String... args) throws Exception {
        return skopeo(dir, stdin, List.of(args));
    }

    /** skopeo login into a fresh auth file, which is returned; the login must succeed. */
    Path login(String user, String password) throws Exception {
        Path authFile = Files.createTempFile(dir, "auth", ".json");
        Files.delete(authFile);
        Exit login = tryLogin(user, password, authFile);
        assertEquals(0, login.code(), login.output());
        return authFile;
    }

    Exit tryLogin(String user, String password, Path authFile) throws Exception {
        return skopeo(password, "login", "--cert-dir", certDir.toString(), "--authfile", authFile.toString(),
                "--username", user, "--password-stdin", hostPort());
    }

    /** skopeo copy with the credentials of a login on both sides. */
    Exit copy(Path authFile, String from, String to) throws Exception {
        return skopeo(null, "--insecure-policy", "copy", "--retry-times", "0",
                "--src-cert-dir", certDir.toString(), "--dest-cert-dir", certDir.toString(),
                "--src-authfile", authFile.toString(), "--dest-authfile", authFile.toString(), from, to);
    }

    Path hostsDir(String... capabilities) throws Exception {
        return hostsDir(dir, hostPort(), caFile, List.of(capabilities));
    }

    @Override
    public void close() {
        registry.close();
    }
}
