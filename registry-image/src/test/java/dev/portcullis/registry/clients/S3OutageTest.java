package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.s3.S3Driver;
import dev.portcullis.registry.storage.s3.S3Settings;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 endpoint disappears in the middle of a push: the client gets a 503 it may retry, the storage health probe
 * fails, nothing half-written becomes visible, and once S3 is back the same upload (and a new push) goes through.
 */
class S3OutageTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private S3ProxyServer s3;
    private String bucket;
    private RunningRegistry registry;
    private DriverRegistryStorage probe;
    private RegistryHttp http;

    @BeforeEach
    void start() throws Exception {
        s3 = S3ProxyServer.start(dir);
        bucket = s3.createBucket();
        registry = RunningRegistry.startS3(dir, s3, bucket, false, "");
        http = new RegistryHttp(registry.url());
        Map<String, Object> params = new HashMap<>(s3.storageParameters(bucket));
        params.put("rootdirectory", "/registry");
        probe = new DriverRegistryStorage(new S3Driver(S3Settings.from(params, true)));
    }

    @AfterEach
    void stop() throws Exception {
        if (probe != null) {
            probe.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void s3GoesAwayMidPushAndComesBack() throws Exception {
        byte[] content = new byte[14 * MIB + 99];
        new Random(71).nextBytes(content);
        String digest = RegistryHttp.sha256(content);
        HttpResponse<byte[]> post = http.send("POST", "/v2/outage/app/blobs/uploads/", new byte[0]);
        assertEquals(202, post.statusCode());
        String location = post.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> first = http.send("PATCH", location, Arrays.copyOfRange(content, 0, 3 * MIB),
                "Content-Type", "application/octet-stream", "Content-Range", "0-" + (3 * MIB - 1));
        assertEquals(202, first.statusCode());
        location = first.headers().firstValue("Location").orElseThrow();

        // The second chunk streams; once 6 MiB of it are sent (a part already went to S3), S3 disappears.
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        int from = 3 * MIB;
        InputStream slow = new InputStream() {
            int pos = from;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= content.length) {
                    return -1;
                }
                if (pos >= from + 6 * MIB && halfway.getCount() > 0) {
                    halfway.countDown();
                    try {
                        stopped.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                int n = Math.min(Math.min(len, 64 * 1024), content.length - pos);
                System.arraycopy(content, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> midPush = client.sendAsync(HttpRequest.newBuilder(
                        URI.create(registry.url() + location))
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> slow))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(halfway.await(30, TimeUnit.SECONDS));
        s3.stopProxy();
        stopped.countDown();
        HttpResponse<String> failed = midPush.get(60, TimeUnit.SECONDS);
        assertEquals(503, failed.statusCode(), failed.body());
        assertTrue(failed.body().contains("UNAVAILABLE"), failed.body());
        assertTrue(failed.headers().firstValue("Retry-After").isPresent());

        assertThrows(IOException.class, probe::healthCheck, "health turns unhealthy while S3 is away");
        HttpResponse<byte[]> commitWhileDown = http.send("PUT", withDigest(location, digest), new byte[0]);
        assertEquals(503, commitWhileDown.statusCode());

        s3.startProxy();
        probe.healthCheck();
        // Nothing half-written is visible: no blob, and the upload holds exactly the chunk that succeeded.
        assertEquals(404, http.head("/v2/outage/app/blobs/" + digest).statusCode());
        HttpResponse<byte[]> status = http.get(location);
        assertEquals(204, status.statusCode());
        assertEquals("0-" + (3 * MIB - 1), status.headers().firstValue("Range").orElseThrow());
        s3.blobStore().list(bucket, ListContainerOptions.Builder.recursive()).forEach(m ->
                assertTrue(!m.getName().contains("/blobs/sha256/") || m.getName().endsWith("/"),
                        "no blob content yet: " + m.getName()));

        // The client retries the chunk from where the upload stands, and the push completes.
        HttpResponse<byte[]> retry = http.send("PATCH", location, Arrays.copyOfRange(content, from, content.length),
                "Content-Type", "application/octet-stream", "Content-Range", from + "-" + (content.length - 1));
        assertEquals(202, retry.statusCode(), new String(retry.body(), StandardCharsets.UTF_8));
        location = retry.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> put = http.send("PUT", withDigest(location, digest), new byte[0]);
        assertEquals(201, put.statusCode(), new String(put.body(), StandardCharsets.UTF_8));
        assertArrayEquals(content, http.get("/v2/outage/app/blobs/" + digest).body());

        // And a real client pushes again.
        OciImage image = OciImages.create(dir.resolve("src"), 2, 1, 72);
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
        RegistryTarget target = RegistryTarget.plainHttp(registry.hostPort());
        skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(target, "outage/app:v1"),
                "--preserve-digests");
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(target, "outage/app:v1"));
    }

    @Test
    void pullsFailRetryablyWhileS3IsAway() throws Exception {
        byte[] content = "small blob".getBytes(StandardCharsets.UTF_8);
        String digest = RegistryHttp.sha256(content);
        HttpResponse<byte[]> push = http.send("POST", "/v2/outage/pull/blobs/uploads/?digest=" + digest, content);
        assertEquals(201, push.statusCode());
        s3.stopProxy();
        HttpResponse<byte[]> down = http.get("/v2/outage/pull/blobs/" + digest);
        assertEquals(503, down.statusCode());
        assertEquals(503, http.get("/v2/outage/pull/tags/list").statusCode());
        s3.startProxy();
        assertArrayEquals(content, http.get("/v2/outage/pull/blobs/" + digest).body());
    }

    private static String withDigest(String location, String digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
    }
}
