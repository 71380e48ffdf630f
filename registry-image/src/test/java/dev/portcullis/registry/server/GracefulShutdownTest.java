package dev.portcullis.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RegistryProcess;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/** SIGTERM as Kubernetes sends it in a rolling update; the access log as an operator reads it. */
class GracefulShutdownTest {
    @TempDir
    Path dir;

    private RegistryProcess start(int port, String extra) throws Exception {
        return start(port, extra, Map.of());
    }

    private RegistryProcess start(int port, String extra, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  level: info
                  formatter: json
                  fields:
                    service: registry
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                  draintimeout: 20s
                """.formatted(dir.resolve("storage"), port) + extra);
        RegistryProcess p = RegistryProcess.start(dir, List.of(), env, "serve", dir.resolve("config.yml").toString());
        p.awaitListening(port, Duration.ofSeconds(30));
        return p;
    }

    @Test
    void anUploadInFlightCompletesAfterSigtermAndTheProcessExitsZero() throws Exception {
        int port = DistributionProcess.freePort();
        byte[] content = new byte[8 * 1024 * 1024];
        new java.util.Random(5).nextBytes(content);
        String digest = RegistryHttp.sha256(content);
        try (RegistryProcess registry = start(port, "")) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                RegistryHttp.beginUpload(out, "drain/app", content, content.length / 2);
                Thread.sleep(300);
                registry.signalTerminate();
                Thread.sleep(500);
                assertTrue(registry.isAlive(), "it waits for the upload in flight");
                out.write(content, content.length / 2, content.length - content.length / 2);
                out.flush();
                String response = new String(readHead(s.getInputStream()), StandardCharsets.US_ASCII);
                assertTrue(response.startsWith("HTTP/1.1 201"), response);
            }
            assertEquals(0, registry.waitForExit(Duration.ofSeconds(30)), registry.output());
            assertTrue(registry.output().contains("SIGTERM received"), registry.output());
        }
        try (RegistryProcess again = start(port, "")) {
            assertEquals(200, new RegistryHttp("http://127.0.0.1:" + port).head("/v2/drain/app/blobs/" + digest).statusCode(),
                    "the blob pushed during the drain is there after the restart");
        }
    }

    @Test
    void anUploadStillStreamingWhenTheDrainEndsIsCutOffQuietlyAndTheProcessExitsZero() throws Exception {
        int port = DistributionProcess.freePort();
        byte[] content = randomBytes(8 * 1024 * 1024, 7);
        try (RegistryProcess registry = startWithShortDrain(port)) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                RegistryHttp.beginUpload(out, "drain/app", content, content.length / 2);
                Thread.sleep(300);
                registry.signalTerminate();
                // The client keeps sending past the drain: the storage pool is closed under the upload's next write.
                int[] sent = {content.length / 2};
                untilStopped(registry, () -> {
                    int n = Math.min(64 * 1024, content.length - sent[0]);
                    out.write(content, sent[0], n);
                    out.flush();
                    sent[0] += n;
                    Thread.sleep(60);
                    return sent[0] < content.length;
                });
                assertStoppedCleanly(registry);
            }
        }
    }

    @Test
    void aPullStillStreamingWhenTheDrainEndsIsCutOffQuietlyAndTheProcessExitsZero() throws Exception {
        int port = DistributionProcess.freePort();
        byte[] content = randomBytes(32 * 1024 * 1024, 8);
        try (RegistryProcess registry = startWithShortDrain(port)) {
            String digest = new RegistryHttp("http://127.0.0.1:" + port).pushBlob("drain/pull", content);
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setReceiveBufferSize(4096);
                s.getOutputStream().write(("GET /v2/drain/pull/blobs/" + digest + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                readHead(in);
                in.readNBytes(1024);
                registry.signalTerminate();
                untilStopped(registry, () -> in.read() >= 0);
                assertStoppedCleanly(registry);
            }
        }
    }

    @Test
    void accessLogNamesTheUserAndNeverTheCredentials() throws Exception {
        int port = DistributionProcess.freePort();
        Files.writeString(dir.resolve("htpasswd"), "alice:" + BCrypt.hashpw("S3cret-Alice", BCrypt.gensalt(4)) + "\n");
        try (RegistryProcess registry = start(port, """
                auth:
                  htpasswd:
                    realm: logs
                    path: %s
                """.formatted(dir.resolve("htpasswd")))) {
            RegistryHttp alice = new RegistryHttp("http://127.0.0.1:" + port, null, "alice", "S3cret-Alice");
            alice.pushImage("logged/app", "v1", "layer".getBytes());
            new RegistryHttp("http://127.0.0.1:" + port, null, "alice", "Wrong-Guess").get("/v2/logged/app/tags/list");
            String output = registry.awaitOutput("\"status\":401", Duration.ofSeconds(10));
            JsonObject line = output.lines().filter(l -> l.contains("\"route\":\"manifest\"")).map(JsonObject::new)
                    .findFirst().orElseThrow(() -> new AssertionError(output));
            assertEquals("alice", line.getString("user"));
            assertEquals("basic", line.getString("auth"));
            assertEquals("PUT", line.getString("method"));
            assertEquals(201, line.getInteger("status"));
            assertEquals("registry", line.getString("service"));
            assertFalse(output.contains("S3cret-Alice"), output);
            assertFalse(output.contains("Wrong-Guess"), output);
            assertFalse(output.contains("Basic "), output);
        }
    }

    /** A drain of one second, which a slow client outlasts. */
    private RegistryProcess startWithShortDrain(int port) throws Exception {
        return start(port, "", Map.of("REGISTRY_HTTP_DRAINTIMEOUT", "1s"));
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] content = new byte[size];
        new java.util.Random(seed).nextBytes(content);
        return content;
    }

    /** One step of a client that goes on while the registry stops; false when it has nothing left to do. */
    private interface ClientStep {
        boolean next() throws java.io.IOException, InterruptedException;
    }

    /** Repeats the client's step until the registry has exited, or has closed the connection under it. */
    private static void untilStopped(RegistryProcess registry, ClientStep step) throws InterruptedException {
        try {
            while (registry.isAlive() && step.next()) {
                Thread.yield();
            }
        } catch (java.io.IOException connectionClosedByTheStop) {
            // what a client still talking to a registry that has stopped meets
        }
    }

    /** Exit 0, the stop announced, and nothing that reads as a failure of the registry. */
    private static void assertStoppedCleanly(RegistryProcess registry) throws InterruptedException {
        int code = registry.waitForExit(Duration.ofSeconds(30));
        String output = registry.output();
        assertEquals(0, code, output);
        assertTrue(output.contains("SIGTERM received"), output);
        assertFalse(output.contains("\tat "), "no stack trace: " + output);
        assertFalse(output.contains("Exception"), output);
    }

    private static byte[] readHead(InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            byte[] b = head.toByteArray();
            if (b.length >= 4 && b[b.length - 4] == '\r' && b[b.length - 3] == '\n' && b[b.length - 2] == '\r'
                    && b[b.length - 1] == '\n') {
                break;
            }
        }
        return head.toByteArray();
    }
}
