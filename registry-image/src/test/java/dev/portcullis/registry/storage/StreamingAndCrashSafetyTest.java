package dev.portcullis.registry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RegistryProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry in its own JVM: a 2 GiB blob through a 64 MiB heap (nothing is held whole in memory), and a kill -9 in
 * the middle of an upload (nothing partial ever becomes visible).
 */
class StreamingAndCrashSafetyTest {
    private static final long TWO_GIB = 2L * 1024 * 1024 * 1024;

    @TempDir
    Path dir;

    private RegistryProcess start(int port) throws Exception {
        Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("storage"), port));
        RegistryProcess p = RegistryProcess.start(dir, List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"), Map.of(),
                "serve", dir.resolve("config.yml").toString());
        p.awaitListening(port, Duration.ofSeconds(30));
        return p;
    }

    @Test
    void twoGibibyteBlobStreamsThroughA64MebibyteHeap() throws Exception {
        int port = DistributionProcess.freePort();
        try (RegistryProcess registry = start(port)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + port;
            HttpResponse<Void> post = client.send(HttpRequest.newBuilder(URI.create(base + "/v2/big/blob/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(202, post.statusCode());
            // A streamed PATCH of generated content: the client holds no 2 GiB file either.
            GeneratedStream generated = new GeneratedStream(TWO_GIB);
            HttpResponse<Void> patch = client.send(HttpRequest.newBuilder(
                            URI.create(base + post.headers().firstValue("Location").orElseThrow()))
                    .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> generated))
                    .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(202, patch.statusCode(), registry::output);
            String digest = generated.digest();
            HttpResponse<Void> put = client.send(HttpRequest.newBuilder(URI.create(base
                            + patch.headers().firstValue("Location").orElseThrow() + "?digest=" + digest))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(201, put.statusCode(), registry::output);

            HttpResponse<InputStream> get = client.send(HttpRequest.newBuilder(
                    URI.create(base + "/v2/big/blob/blobs/" + digest)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, get.statusCode());
            assertEquals(TWO_GIB, get.headers().firstValueAsLong("Content-Length").orElseThrow());
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            try (InputStream in = get.body()) {
                byte[] buf = new byte[1 << 20];
                for (int n; (n = in.read(buf)) > 0; ) {
                    received.update(buf, 0, n);
                }
            }
            assertEquals(digest, "sha256:" + HexFormat.of().formatHex(received.digest()));
            assertTrue(registry.isAlive(), () -> "the registry must survive: " + registry.output());
        }
    }

    @Test
    void killDuringAnUploadLeavesNothingPartialVisible() throws Exception {
        int port = DistributionProcess.freePort();
        byte[] content = new byte[64 * 1024 * 1024];
        fill(content, 7);
        String digest = RegistryHttp.sha256(content);
        RegistryProcess registry = start(port);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            RegistryHttp.beginUpload(socket.getOutputStream(), "crash/app", content, content.length / 2);
            Thread.sleep(300);
            registry.kill();
        }

        try (RegistryProcess restarted = start(port)) {
            RegistryHttp http = new RegistryHttp("http://127.0.0.1:" + port);
            assertEquals(404, http.head("/v2/crash/app/blobs/" + digest).statusCode());
            assertTrue(noBlobData(dir.resolve("storage")), "no blob may have been published");
            // The client retries, and the retry succeeds.
            assertEquals(digest, http.pushBlob("crash/app", content));
            assertEquals(200, http.head("/v2/crash/app/blobs/" + digest).statusCode());
        }
    }

    /** Deterministic pseudo-random bytes of a given length, hashed as they are read. */
    private static final class GeneratedStream extends InputStream {
        private final long length;
        private final MessageDigest sha256;
        private final byte[] block = new byte[1 << 20];
        private long position;

        GeneratedStream(long length) throws java.security.NoSuchAlgorithmException {
            this.length = length;
            this.sha256 = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("read in blocks");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= length) {
                return -1;
            }
            int inBlock = (int) (position % block.length);
            if (inBlock == 0) {
                fill(block, position / block.length);
            }
            int n = (int) Math.min(Math.min(len, block.length - inBlock), length - position);
            System.arraycopy(block, inBlock, b, off, n);
            sha256.update(b, off, n);
            position += n;
            return n;
        }

        String digest() {
            return "sha256:" + HexFormat.of().formatHex(sha256.digest());
        }
    }

    private static boolean noBlobData(Path storage) throws IOException {
        Path blobs = storage.resolve("docker/registry/v2/blobs");
        if (!Files.exists(blobs)) {
            return true;
        }
        try (Stream<Path> s = Files.walk(blobs)) {
            return s.noneMatch(p -> p.getFileName().toString().equals("data"));
        }
    }

    private static void fill(byte[] chunk, long seed) {
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < chunk.length; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int j = 0; j < 8 && i + j < chunk.length; j++) {
                chunk[i + j] = (byte) (x >>> (8 * j));
            }
        }
    }

}
