package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RegistryProcess;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two registry processes on one bucket, as two pods behind a Service: A takes its S3 credentials from its config and
 * streams blob GETs itself; B takes them from {@code AWS_*} variables and answers blob GETs with pre-signed redirects.
 * Both run with a small heap, so nothing may hold a blob in memory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ReplicasTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;

    private S3ProxyServer s3;
    private RegistryProcess a;
    private RegistryProcess b;
    private RegistryTarget targetA;
    private RegistryTarget targetB;

    @BeforeAll
    void start() throws Exception {
        s3 = S3ProxyServer.start(dir);
        String bucket = s3.createBucket();
        int portA = DistributionProcess.freePort();
        int portB = DistributionProcess.freePort();
        a = startReplica("a", portA, s3.storageYaml(bucket, true, false), Map.of());
        b = startReplica("b", portB, s3.storageYaml(bucket, false, true), S3ProxyServer.credentialEnvironment());
        targetA = RegistryTarget.plainHttp("127.0.0.1:" + portA);
        targetB = RegistryTarget.plainHttp("127.0.0.1:" + portB);
    }

    private RegistryProcess startReplica(String name, int port, String storageYaml, Map<String, String> env)
            throws Exception {
        Path work = dir.resolve(name);
        Files.createDirectories(work);
        Path config = work.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                http:
                  addr: 127.0.0.1:%d
                  secret: shared-by-the-replicas
                """.formatted(port) + storageYaml);
        RegistryProcess p = RegistryProcess.start(work, List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"), env,
                "serve", config.toString());
        p.awaitListening(port, Duration.ofSeconds(60));
        return p;
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, s3}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void skopeoPushesThroughOneWhileContainerdPullsThroughTheOther() throws Exception {
        OciImage image = OciImages.create(dir.resolve("src"), 3, 1, 61);
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
        skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(targetA, "replicas/app:v1"),
                "--preserve-digests");
        // The tag pushed through A is there at once through B.
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(targetB, "replicas/app:v1"));

        try (ContainerdNode node = ContainerdNode.start()) {
            String ref = targetB.ref("replicas/app:v1");
            node.pull(ref, HostsToml.write(dir.resolve("certs.d"), targetB, false), Optional.empty());
            assertEquals(image.manifestDigest(), node.imageDigest(ref));
            assertTrue(node.completeAndUnpacked(ref), "ctr images check: complete and unpacked");
        }
        Path back = dir.resolve("back");
        skopeo.copy(new Skopeo.Remote(targetA, "replicas/app:v1"), new Skopeo.OciDir(back, "v1"), "--preserve-digests");
        for (String digest : image.allDigests()) {
            assertEquals(-1L, Files.mismatch(image.blob(digest), OciImage.read(back).blob(digest)), digest);
        }
    }

    @Test
    void aChunkedUploadAlternatesBetweenTheReplicas() throws Exception {
        RegistryHttp httpA = new RegistryHttp("http://" + targetA.hostPort());
        RegistryHttp httpB = new RegistryHttp("http://" + targetB.hostPort());
        byte[] content = new byte[13 * MIB + 333];
        new Random(62).nextBytes(content);
        HttpResponse<byte[]> post = httpA.send("POST", "/v2/replicas/chunked/blobs/uploads/", new byte[0]);
        assertEquals(202, post.statusCode());
        String location = post.headers().firstValue("Location").orElseThrow();
        int[] cuts = {0, 4 * MIB, 9 * MIB, 11 * MIB, content.length};
        for (int i = 0; i + 1 < cuts.length; i++) {
            RegistryHttp via = i % 2 == 0 ? httpB : httpA;
            byte[] chunk = Arrays.copyOfRange(content, cuts[i], cuts[i + 1]);
            HttpResponse<byte[]> patch = via.send("PATCH", path(location), chunk, "Content-Type",
                    "application/octet-stream", "Content-Range", cuts[i] + "-" + (cuts[i + 1] - 1));
            assertEquals(202, patch.statusCode(), new String(patch.body(), StandardCharsets.UTF_8));
            location = patch.headers().firstValue("Location").orElseThrow();
            // The other replica knows where the upload stands.
            HttpResponse<byte[]> status = (i % 2 == 0 ? httpA : httpB).get(path(location));
            assertEquals(204, status.statusCode());
            assertEquals("0-" + (cuts[i + 1] - 1), status.headers().firstValue("Range").orElseThrow());
        }
        String digest = RegistryHttp.sha256(content);
        HttpResponse<byte[]> put = httpB.send("PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest="
                + digest, new byte[0]);
        assertEquals(201, put.statusCode(), new String(put.body(), StandardCharsets.UTF_8));
        assertArrayEquals(content, httpA.get("/v2/replicas/chunked/blobs/" + digest).body());

        // B redirects the GET to a pre-signed URL of the store; following it gives the same bytes.
        HttpResponse<byte[]> redirect = httpB.get("/v2/replicas/chunked/blobs/" + digest);
        assertEquals(307, redirect.statusCode());
        URI signed = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertTrue(signed.getQuery().contains("X-Amz-Signature"), signed.toString());
        HttpResponse<byte[]> direct = HttpClient.newHttpClient().send(HttpRequest.newBuilder(signed).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(content, direct.body());
    }

    @Test
    void largeBlobThroughSmallHeaps() throws Exception {
        long size = 160L * MIB;
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String baseA = "http://" + targetA.hostPort();
        HttpResponse<Void> post = client.send(HttpRequest.newBuilder(URI.create(baseA + "/v2/replicas/big/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(202, post.statusCode());
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        InputStream generated = new InputStream() {
            private final Random random = new Random(63);
            private long left = size;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                byte[] block = new byte[n];
                random.nextBytes(block);
                System.arraycopy(block, 0, buf, off, n);
                sent.update(block);
                left -= n;
                return n;
            }
        };
        HttpResponse<Void> patch = client.send(HttpRequest.newBuilder(URI.create(baseA
                        + post.headers().firstValue("Location").orElseThrow()))
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> generated))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(202, patch.statusCode(), a::output);
        String digest = "sha256:" + HexFormat.of().formatHex(sent.digest());
        String location = patch.headers().firstValue("Location").orElseThrow();
        HttpResponse<Void> put = client.send(HttpRequest.newBuilder(URI.create("http://" + targetB.hostPort()
                        + location + (location.contains("?") ? "&" : "?") + "digest=" + digest))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(201, put.statusCode(), b::output);

        HttpResponse<InputStream> get = client.send(HttpRequest.newBuilder(
                URI.create(baseA + "/v2/replicas/big/blobs/" + digest)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, get.statusCode());
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = get.body()) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                received.update(buf, 0, n);
                total += n;
            }
        }
        assertEquals(size, total);
        assertEquals(digest, "sha256:" + HexFormat.of().formatHex(received.digest()));
        assertTrue(a.isAlive() && b.isAlive(), "both replicas still up: " + a.output() + b.output());
    }

    private static String path(String location) {
        URI u = URI.create(location);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }
}
