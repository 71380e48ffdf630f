package dev.portcullis.registry.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.credentialprovider.PluginProcess;
import dev.portcullis.registry.credentialprovider.ServiceAccountTokens;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The node agent ({@code node-agent --once}) installing the kubelet's credential provider into folders standing for
 * the host's bin dir and config file: the launcher it writes is run as the kubelet runs it, with a KEP-4412 request,
 * and answers with the pod's token; it is rewritten only when its content changes and removed with its registry.
 */
class CredentialProviderInstallTest {
    private static final String HOST = "registry.shop.example:5000";
    private static final String AUDIENCE = "https://registry.shop.example";

    @TempDir
    Path dir;
    Path source;
    Path certsD;
    Path bin;
    Path config;
    Path runtime;
    Path jar;
    Path javaLog;
    String caPem;

    @BeforeEach
    void setUp() throws Exception {
        source = Files.createDirectories(dir.resolve("source"));
        certsD = dir.resolve("host/etc/containerd/certs.d");
        bin = dir.resolve("host/usr/local/lib/portcullis/credential-provider");
        config = dir.resolve("host/etc/kubernetes/image-credential-provider/config.yaml");
        caPem = LocalCertificateAuthority.pem(LocalCertificateAuthority.create("provider-ca").certificate());
        // Stands for the image's jlink runtime: its bin/java runs this test's JVM on the test class path with the
        // arguments after -jar, as the real runtime runs the jar, and logs what it was given.
        runtime = Files.createDirectories(dir.resolve("image/usr/lib/jvm/java-17"));
        javaLog = dir.resolve("java.log");
        Files.createDirectories(runtime.resolve("bin"));
        Files.createDirectories(runtime.resolve("legal/java.base"));
        Files.createDirectories(runtime.resolve("legal/java.logging"));
        Files.writeString(runtime.resolve("legal/java.base/LICENSE"), "GPLv2 with the Classpath exception\n");
        Files.createSymbolicLink(runtime.resolve("legal/java.logging/LICENSE"), Path.of("../java.base/LICENSE"));
        String realJava = ProcessHandle.current().info().command().orElseThrow();
        Files.writeString(runtime.resolve("bin/java"), """
                #!/bin/sh
                echo "$@" >> '%s'
                while [ $# -gt 0 ]; do case "$1" in -jar) shift 2; break;; *) shift;; esac; done
                exec '%s' -XX:TieredStopAtLevel=1 -cp '%s' dev.portcullis.registry.Main "$@"
                """.formatted(javaLog, realJava, System.getProperty("java.class.path")));
        Files.setPosixFilePermissions(runtime.resolve("bin/java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = Files.writeString(Files.createDirectories(dir.resolve("image/app")).resolve("portcullis-registry.jar"), "jar v1");
    }

    @Test
    void theInstalledLauncherAnswersTheKubeletWithThePodsToken() throws Exception {
        String ecr = KubeletProviderConfigTest.ECR;
        Files.createDirectories(config.getParent());
        Files.writeString(config, ecr);
        list(true);
        assertEquals(0, agentOnce());

        Path launcher = bin.resolve("portcullis-credential-provider.shop.registry");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(launcher)));
        List<Map<String, Object>> providers = providers();
        assertEquals(List.of("ecr-credential-provider", "portcullis-credential-provider.shop.registry"),
                providers.stream().map(p -> p.get("name")).toList(), "the other provider is kept");
        Map<String, Object> ours = providers.get(1);
        assertEquals(List.of(HOST), ours.get("matchImages"));
        assertEquals(Map.of("serviceAccountTokenAudience", AUDIENCE, "requireServiceAccount", true,
                "cacheType", "Token"), ours.get("tokenAttributes"));
        assertTrue(Files.exists(certsD.resolve(HOST).resolve("hosts.toml")), "trust is written as before");
        Path payload = onlyPayload();
        assertTrue(Files.isSymbolicLink(payload.resolve("java/legal/java.logging/LICENSE")), "links stay links");
        assertEquals("jar v1", Files.readString(payload.resolve("portcullis-registry.jar")));

        // As the kubelet runs it: the config's args, the request on stdin.
        String token = new ServiceAccountTokens().mint("shop", "web", AUDIENCE, Duration.ofMinutes(10));
        String request = PluginProcess.recordedFor("request-v1-serviceaccount.json", HOST + "/shop/web:1.4.2", token);
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) ours.get("args");
        var cmd = new ArrayList<String>(List.of(launcher.toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var in = p.getOutputStream()) {
            in.write(request.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        JsonObject auth = new JsonObject(out).getJsonObject("auth").getJsonObject(HOST);
        assertEquals("serviceaccount", auth.getString("username"));
        assertEquals(token, auth.getString("password"));
        String javaArgs = Files.readString(javaLog);
        assertTrue(javaArgs.contains("-jar " + payload.resolve("portcullis-registry.jar")
                + " credential-provider --registry " + HOST), javaArgs);

        // A second pass with nothing changed writes nothing.
        FileTime before = Files.getLastModifiedTime(launcher);
        FileTime configBefore = Files.getLastModifiedTime(config);
        Thread.sleep(20);
        assertEquals(0, agentOnce());
        assertEquals(before, Files.getLastModifiedTime(launcher));
        assertEquals(configBefore, Files.getLastModifiedTime(config));

        // A new image (another jar): a payload of its own, the launcher switched to it, the old one gone.
        Files.writeString(jar, "jar v2");
        assertEquals(0, agentOnce());
        Path updated = onlyPayload();
        assertNotEquals(payload, updated);
        assertTrue(Files.readString(launcher).contains(updated.getFileName().toString()));

        // The registry no longer asks for it: launcher, payload and our provider go, the other provider stays.
        list(false);
        assertEquals(0, agentOnce());
        assertFalse(Files.exists(launcher));
        assertFalse(Files.exists(bin.resolve(CredentialProviderInstall.PAYLOAD_DIR)));
        assertEquals(List.of("ecr-credential-provider"), providers().stream().map(pr -> pr.get("name")).toList());
    }

    @Test
    void aMalformedConfigFileIsReportedInOneLineAndNotOverwritten() throws Exception {
        Files.createDirectories(config.getParent());
        String broken = "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: [unclosed\n";
        Files.writeString(config, broken);
        list(true);
        var log = new java.io.ByteArrayOutputStream();
        var handler = new java.util.logging.StreamHandler(log, new java.util.logging.SimpleFormatter());
        var logger = java.util.logging.Logger.getLogger(NodeAgentCommand.class.getName());
        logger.addHandler(handler);
        try {
            assertEquals(1, agentOnce());
        } finally {
            handler.flush();
            logger.removeHandler(handler);
        }
        assertEquals(broken, Files.readString(config));
        String line = log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(config.toString()))
                .findFirst().orElseThrow(() -> new AssertionError(log.toString(StandardCharsets.UTF_8)));
        assertTrue(line.contains("not YAML or JSON; fix or remove it; left as it is"), line);
        assertTrue(Files.exists(certsD.resolve(HOST).resolve("hosts.toml")), "trust is still written");
    }

    private void list(boolean provider) throws Exception {
        Files.writeString(source.resolve("registries.yaml"), """
                registries:
                  - id: shop/registry
                    hosts: ["%s"]
                    ca: |
                %s
                """.formatted(HOST, caPem.indent(6).stripTrailing())
                + (provider ? "    credentialProvider:\n      audience: " + AUDIENCE + "\n" : ""));
    }

    private int agentOnce() {
        return NodeAgentCommand.run(List.of("--source", source.toString(), "--containerd", certsD.toString(), "--once",
                "--credential-provider-bin-dir", bin.toString(), "--credential-provider-config", config.toString(),
                "--credential-provider-runtime", runtime.toString(), "--credential-provider-jar", jar.toString()));
    }

    private Path onlyPayload() throws Exception {
        try (var s = Files.list(bin.resolve(CredentialProviderInstall.PAYLOAD_DIR))) {
            List<Path> all = s.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> providers() throws Exception {
        Map<String, Object> root = new Yaml().load(Files.readString(config));
        return (List<Map<String, Object>>) root.get("providers");
    }
}
