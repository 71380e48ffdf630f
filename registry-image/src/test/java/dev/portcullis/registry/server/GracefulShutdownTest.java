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
                out.write(("POST /v2/drain/app/blobs/uploads/?digest=" + digest + " HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: " + content.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(content, 0, content.length / 2);
                out.flush();
                Thread.sleep(300);
                new ProcessBuilder("kill", "-TERM", Long.toString(registry.pid())).start().waitFor();
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
        byte[] content = new byte[8 * 1024 * 1024];
        new java.util.Random(7).nextBytes(content);
        String digest = RegistryHttp.sha256(content);
        try (RegistryProcess registry = start(port, "", Map.of("REGISTRY_HTTP_DRAINTIMEOUT", "1s"))) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v2/drain/app/blobs/uploads/?digest=" + digest + " HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: " + content.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(content, 0, content.length / 2);
                out.flush();
                Thread.sleep(300);
                new ProcessBuilder("kill", "-TERM", Long.toString(registry.pid())).start().waitFor();
                // The client keeps sending past the drain: the storage pool is closed under the upload's next write.
                try {
                    for (int sent = content.length / 2; sent < content.length && registry.isAlive(); sent += 64 * 1024) {
                        out.write(content, sent, Math.min(64 * 1024, content.length - sent));
                        out.flush();
                        Thread.sleep(60);
                    }
                } catch (java.io.IOException connectionClosedByTheStop) {
                    // what a client still sending after the drain meets
                }
                int code = registry.waitForExit(Duration.ofSeconds(30));
                String output = registry.output();
                assertEquals(0, code, output);
                assertFalse(output.contains("\tat "), "no stack trace: " + output);
                assertFalse(output.contains("Exception"), output);
                assertTrue(output.contains("SIGTERM received"), output);
            }
        }
    }

    @Test
    void aPullStillStreamingWhenTheDrainEndsIsCutOffQuietlyAndTheProcessExitsZero() throws Exception {
        int port = DistributionProcess.freePort();
        byte[] content = new byte[32 * 1024 * 1024];
        new java.util.Random(8).nextBytes(content);
        try (RegistryProcess registry = start(port, "", Map.of("REGISTRY_HTTP_DRAINTIMEOUT", "1s"))) {
            String digest = new RegistryHttp("http://127.0.0.1:" + port).pushBlob("drain/pull", content);
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setReceiveBufferSize(4096);
                s.getOutputStream().write(("GET /v2/drain/pull/blobs/" + digest + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                readHead(in);
                in.readNBytes(1024);
                new ProcessBuilder("kill", "-TERM", Long.toString(registry.pid())).start().waitFor();
                try {
                    while (registry.isAlive() && in.read() >= 0) {
                        Thread.sleep(1);
                    }
                } catch (java.io.IOException connectionClosedByTheStop) {
                    // what a client still reading after the drain meets
                }
                int code = registry.waitForExit(Duration.ofSeconds(30));
                String output = registry.output();
                assertEquals(0, code, output);
                assertFalse(output.contains("\tat "), "no stack trace: " + output);
                assertFalse(output.contains("Exception"), output);
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
