package dev.portcullis.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RegistryProcess;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: one clear line and a non-zero exit for every mistake, never a stack trace. */
class MainCommandLineTest {
    @TempDir
    Path dir;

    private String failure(Map<String, String> env, String... args) throws Exception {
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), env, args)) {
            int code = p.waitForExit(Duration.ofSeconds(30));
            String out = p.output().strip();
            assertTrue(code != 0, "exit code for " + List.of(args) + " was 0: " + out);
            assertFalse(out.contains("\tat "), "no stack trace: " + out);
            return code + " " + out;
        }
    }

    @Test
    void missingConfigFile() throws Exception {
        String out = failure(Map.of(), "serve", dir.resolve("nope.yml").toString());
        assertTrue(out.startsWith("2 portcullis-registry: config error: " + dir.resolve("nope.yml") + ": cannot read"), out);
        assertEquals(1, out.lines().count(), out);
    }

    @Test
    void badValueNamesTheKey() throws Exception {
        Files.writeString(dir.resolve("c.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /tmp/x\nhttp:\n  addr: bogus\n");
        String out = failure(Map.of(), "serve", dir.resolve("c.yml").toString());
        assertEquals("2 portcullis-registry: config error: http.addr: 'bogus' is not HOST:PORT (for example :5000 or 127.0.0.1:5000)", out);
    }

    @Test
    void badEnvironmentOverrideNamesTheKey() throws Exception {
        Files.writeString(dir.resolve("c.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /tmp/x\n");
        String out = failure(Map.of("REGISTRY_STORAGE_DELETE_ENABLED", "perhaps"), "serve", dir.resolve("c.yml").toString());
        assertEquals("2 portcullis-registry: config error: storage.delete.enabled: 'perhaps' is not true or false", out);
    }

    @Test
    void everyProblemIsPrintedOneLineEachTheTypoFirst() throws Exception {
        Path key = Files.writeString(dir.resolve("tls.key"), "x");
        Files.writeString(dir.resolve("c.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /tmp/x\n"
                + "log:\n  level: loud\nhttp:\n  addr: 127.0.0.1:0\n  tls:\n    certficate: " + key + "\n    key: " + key + "\n");
        String out = failure(Map.of("REGISTRY_STORAGE_DELETE_ENABLED", "perhaps"), "serve", dir.resolve("c.yml").toString());
        assertEquals("""
                2 portcullis-registry: config error: unknown key http.tls.certficate (did you mean http.tls.certificate?); ignored
                portcullis-registry: config error: log.level: 'loud' is not one of error, warn, info, debug
                portcullis-registry: config error: storage.delete.enabled: 'perhaps' is not true or false
                portcullis-registry: config error: http.tls.certificate: missing: http.tls.key is set without a certificate""",
                out);
    }

    @Test
    void plainHttpOffLoopbackIsRefused() throws Exception {
        Files.writeString(dir.resolve("c.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: " + dir.resolve("s")
                + "\nhttp:\n  addr: 0.0.0.0:0\n");
        String out = failure(Map.of(), "serve", dir.resolve("c.yml").toString());
        assertTrue(out.startsWith("2 portcullis-registry: config error: http.addr: plain HTTP on 0.0.0.0:0"), out);
        assertTrue(out.contains("http.insecure: true"), out);
    }

    @Test
    void portInUseIsOneLine() throws Exception {
        try (var busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("c.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
                    + dir.resolve("s") + "\nhttp:\n  addr: 127.0.0.1:" + busy.getLocalPort() + "\n");
            String out = failure(Map.of(), "serve", dir.resolve("c.yml").toString());
            assertTrue(out.startsWith("1 portcullis-registry: cannot listen on 127.0.0.1:" + busy.getLocalPort()), out);
        }
    }

    @Test
    void aFirstRunWhosePortIsTakenKeepsNoPasswordAndTheNextRunShowsItsOwn() throws Exception {
        try (var busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String out = failure(Map.of("REGISTRY_HTTP_ADDR", "127.0.0.1:" + busy.getLocalPort()));
            assertTrue(out.startsWith("1 portcullis-registry: cannot listen on 127.0.0.1:" + busy.getLocalPort()), out);
            assertEquals(1, out.lines().count(), out);
            assertFalse(Files.exists(dir.resolve("registry-data/auth/admin-password")), "a password nobody was shown");
            assertFalse(Files.exists(dir.resolve("registry-data/auth/htpasswd")));
        }
        int port = DistributionProcess.freePort();
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of("REGISTRY_HTTP_ADDR", "127.0.0.1:" + port))) {
            p.awaitListening(port, Duration.ofSeconds(30));
            p.awaitOutput("docker push", Duration.ofSeconds(10));
            String password = Files.readString(dir.resolve("registry-data/auth/admin-password")).strip();
            assertTrue(p.output().contains("password: " + password), p.output());
        }
    }

    @Test
    void unknownCommand() throws Exception {
        String out = failure(Map.of(), "frobnicate");
        assertTrue(out.startsWith("2 portcullis-registry: unknown command 'frobnicate'"), out);
    }

    @Test
    void noArgumentsRunsASecureRegistryWithGeneratedCredentials() throws Exception {
        int port = DistributionProcess.freePort();
        String password;
        try (RegistryProcess p = RegistryProcess.start(dir, List.of(), Map.of("REGISTRY_HTTP_ADDR", "127.0.0.1:" + port))) {
            p.awaitListening(port, Duration.ofSeconds(30));
            password = Files.readString(dir.resolve("registry-data/auth/admin-password")).strip();
            p.awaitOutput("docker push", Duration.ofSeconds(10));
            assertTrue(p.output().contains("password: " + password), "printed once on the first run: " + p.output());
            assertTrue(p.output().contains("skopeo login --cert-dir registry-data/certs -u admin -p " + password), p.output());
            var ssl = TlsContexts.trusting(dir.resolve("registry-data/certs/ca.crt"));
            RegistryHttp anonymous = new RegistryHttp("https://127.0.0.1:" + port, ssl, null, null);
            var refused = anonymous.get("/v2/");
            assertEquals(401, refused.statusCode());
            assertEquals("Basic realm=\"portcullis\"", refused.headers().firstValue("WWW-Authenticate").orElseThrow());
            anonymous.as(ssl, "admin", password).pushImage("first/push", "v1", "hello".getBytes());
            assertTrue(Files.isDirectory(dir.resolve("registry-data/docker/registry/v2/repositories/first/push")));
        }
        try (RegistryProcess again = RegistryProcess.start(dir, List.of(), Map.of("REGISTRY_HTTP_ADDR", "127.0.0.1:" + port))) {
            again.awaitListening(port, Duration.ofSeconds(30));
            again.awaitOutput("docker push", Duration.ofSeconds(10));
            assertFalse(again.output().contains(password), "a later run never prints the password: " + again.output());
            assertTrue(again.output().contains("$(cat registry-data/auth/admin-password)"), again.output());
        }
    }
}
