package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.testsupport.AzuriteServer;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RegistryProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
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
 * Two registry processes on one Azurite container, as two pods behind a Service: A has the account key in its config
 * and streams blob GETs itself; B takes it from {@code REGISTRY_STORAGE_AZURE_ACCOUNTKEY} and redirects blob GETs to
 * SAS URLs. Both run with a small heap, so nothing may hold a blob in memory. Then a third killed mid-chunk, the
 * garbage collector on the same container, and what an operator sees for a wrong key, an unreachable endpoint and a
 * misspelled key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureReplicasTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;

    private AzuriteServer azurite;
    private String container;
    private RegistryProcess a;
    private RegistryProcess b;
    private RegistryTarget targetA;
    private RegistryTarget targetB;

    @BeforeAll
    void start() throws Exception {
        azurite = AzuriteServer.start(dir);
        container = azurite.createContainer();
        int portA = DistributionProcess.freePort();
        int portB = DistributionProcess.freePort();
        a = startReplica("a", portA, azurite.storageYaml(container, true, false), Map.of());
        b = startReplica("b", portB, azurite.storageYaml(container, false, true),
                Map.of("REGISTRY_STORAGE_AZURE_ACCOUNTKEY", azurite.accountKey()));
        targetA = RegistryTarget.plainHttp("127.0.0.1:" + portA);
        targetB = RegistryTarget.plainHttp("127.0.0.1:" + portB);
    }

    private static Path config(String name, int port, String storageYaml) throws Exception {
        Path work = Files.createDirectories(dir.resolve(name));
        return Files.writeString(work.resolve("config.yml"), """
                version: 0.1
                log:
                  level: warn
                http:
                  addr: 127.0.0.1:%d
                  secret: shared-by-the-replicas
                """.formatted(port) + storageYaml);
    }

    private static RegistryProcess startReplica(String name, int port, String storageYaml, Map<String, String> env)
            throws Exception {
        Path config = config(name, port, storageYaml);
        RegistryProcess p = RegistryProcess.start(config.getParent(), List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"),
                env, "serve", config.toString());
        p.awaitListening(port, Duration.ofSeconds(60));
        return p;
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, azurite}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void skopeoPushesThroughOneWhileContainerdPullsThroughTheOther() throws Exception {
        OciImage image = OciImages.create(dir.resolve("src"), 3, 1, 81);
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
        skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(targetA, "replicas/app:v1"),
                "--preserve-digests");
        assertEquals(image.manifestDigest(), skopeo.inspectDigest(targetB, "replicas/app:v1"));

        // containerd follows B's redirects to the blobs' SAS URLs on Azurite.
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
        byte[] content = new byte[11 * MIB + 333];
        new Random(82).nextBytes(content);
        HttpResponse<byte[]> post = httpA.send("POST", "/v2/replicas/chunked/blobs/uploads/", new byte[0]);
        assertEquals(202, post.statusCode());
        String location = post.headers().firstValue("Location").orElseThrow();
        // Cuts off the 4 MiB block size, so chunks end inside blocks and blocks span chunks.
        int[] cuts = {0, 3 * MIB, 3 * MIB + 1, 9 * MIB, content.length};
        for (int i = 0; i + 1 < cuts.length; i++) {
            RegistryHttp via = i % 2 == 0 ? httpB : httpA;
            byte[] chunk = Arrays.copyOfRange(content, cuts[i], cuts[i + 1]);
            HttpResponse<byte[]> patch = via.send("PATCH", path(location), chunk, "Content-Type",
                    "application/octet-stream", "Content-Range", cuts[i] + "-" + (cuts[i + 1] - 1));
            assertEquals(202, patch.statusCode(), new String(patch.body(), StandardCharsets.UTF_8));
            location = patch.headers().firstValue("Location").orElseThrow();
            HttpResponse<byte[]> status = (i % 2 == 0 ? httpA : httpB).get(path(location));
            assertEquals(204, status.statusCode());
            assertEquals("0-" + (cuts[i + 1] - 1), status.headers().firstValue("Range").orElseThrow());
        }
        String digest = RegistryHttp.sha256(content);
        HttpResponse<byte[]> put = httpB.send("PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest="
                + digest, new byte[0]);
        assertEquals(201, put.statusCode(), new String(put.body(), StandardCharsets.UTF_8));
        assertArrayEquals(content, httpA.get("/v2/replicas/chunked/blobs/" + digest).body());

        // B redirects the GET to a read-only SAS URL of the blob; following it gives the same bytes.
        HttpResponse<byte[]> redirect = httpB.get("/v2/replicas/chunked/blobs/" + digest);
        assertEquals(307, redirect.statusCode());
        URI signed = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertTrue(signed.getQuery().contains("sig=") && signed.getQuery().contains("sp=r"), signed.toString());
        HttpClient client = HttpClient.newHttpClient();
        assertArrayEquals(content, client.send(HttpRequest.newBuilder(signed).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
        // Read-only: the same URL cannot overwrite the blob.
        HttpResponse<String> overwrite = client.send(HttpRequest.newBuilder(signed).header("x-ms-blob-type",
                "BlockBlob").PUT(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, overwrite.statusCode(), overwrite.body());
    }

    @Test
    void aReplicaKilledMidChunkLosesThatChunkOnly() throws Exception {
        RegistryHttp httpA = new RegistryHttp("http://" + targetA.hostPort());
        byte[] first = new byte[5 * MIB + 7];
        byte[] second = new byte[6 * MIB + 11];
        new Random(83).nextBytes(first);
        new Random(84).nextBytes(second);
        HttpResponse<byte[]> post = httpA.send("POST", "/v2/replicas/crash/blobs/uploads/", new byte[0]);
        String location = post.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> acknowledged = httpA.send("PATCH", path(location), first, "Content-Type",
                "application/octet-stream", "Content-Range", "0-" + (first.length - 1));
        assertEquals(202, acknowledged.statusCode());
        location = acknowledged.headers().firstValue("Location").orElseThrow();

        // The second chunk streams to a third replica, which stages a block of it and is killed before the chunk ends.
        int portC = DistributionProcess.freePort();
        try (RegistryProcess c = startReplica("c", portC, azurite.storageYaml(container, true, false), Map.of())) {
            java.io.PipedOutputStream feed = new java.io.PipedOutputStream();
            java.io.PipedInputStream body = new java.io.PipedInputStream(feed, 64 * 1024);
            var patch = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portC + path(location)))
                            .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> body))
                            .header("Content-Type", "application/octet-stream").build(),
                    HttpResponse.BodyHandlers.discarding());
            feed.write(second, 0, 5 * MIB);
            Thread.sleep(1000);
            c.kill();
            feed.close();
            assertTrue(patch.handle((r, e) -> e != null || r.statusCode() >= 500).get(), "the killed replica answered");
        }

        // The other replicas see the upload as it was acknowledged, and it goes on from there.
        HttpResponse<byte[]> status = httpA.get(path(location));
        assertEquals(204, status.statusCode());
        assertEquals("0-" + (first.length - 1), status.headers().firstValue("Range").orElseThrow());
        HttpResponse<byte[]> retry = httpA.send("PATCH", path(location), second, "Content-Type",
                "application/octet-stream", "Content-Range", first.length + "-" + (first.length + second.length - 1));
        assertEquals(202, retry.statusCode(), new String(retry.body(), StandardCharsets.UTF_8));
        location = retry.headers().firstValue("Location").orElseThrow();
        byte[] whole = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, whole, first.length, second.length);
        String digest = RegistryHttp.sha256(whole);
        RegistryHttp httpB = new RegistryHttp("http://" + targetB.hostPort());
        HttpResponse<byte[]> put = httpB.send("PUT", path(location) + (location.contains("?") ? "&" : "?") + "digest="
                + digest, new byte[0]);
        assertEquals(201, put.statusCode(), new String(put.body(), StandardCharsets.UTF_8));
        assertArrayEquals(whole, httpA.get("/v2/replicas/crash/blobs/" + digest).body());
    }

    @Test
    void theGarbageCollectorFreesWhatNoTagReaches() throws Exception {
        RegistryHttp httpA = new RegistryHttp("http://" + targetA.hostPort());
        byte[] keptLayer = "a layer a tag reaches".getBytes(StandardCharsets.UTF_8);
        byte[] goneLayer = "a layer of an untagged manifest".getBytes(StandardCharsets.UTF_8);
        httpA.pushImage("gc/app", "kept", keptLayer);
        httpA.pushImage("gc/app", "gone", goneLayer);
        assertEquals(202, httpA.send("DELETE", "/v2/gc/app/manifests/gone", null).statusCode());
        Path config = config("gc", DistributionProcess.freePort(), azurite.storageYaml(container, true, false)
                + "  maintenance:\n    gc:\n      grace: 0s\n");
        try (RegistryProcess gc = RegistryProcess.start(config.getParent(), List.of(), Map.of(), "garbage-collect",
                config.toString(), "--delete-untagged")) {
            assertEquals(0, gc.waitForExit(Duration.ofMinutes(2)), gc.output());
        }
        assertEquals(404, httpA.head("/v2/gc/app/blobs/" + RegistryHttp.sha256(goneLayer)).statusCode());
        assertArrayEquals(keptLayer, httpA.get("/v2/gc/app/blobs/" + RegistryHttp.sha256(keptLayer)).body());
        assertEquals(200, httpA.head("/v2/gc/app/manifests/kept").statusCode());
    }

    @Test
    void aWrongKeyOrAnUnreachableEndpointFailsReadinessWithOneLine() throws Exception {
        // Probed every second, failing at the first miss, and no warm-up push: the test need not wait out the defaults.
        String fastProbe = "health:\n  storagedriver:\n    interval: 1s\n    threshold: 1\n";
        Map<String, String> noWarmUp = Map.of("REGISTRY_HTTP_WARMUP_DISABLED", "true");
        String wrongKey = azurite.storageYaml(container, false, false) + fastProbe;
        int port = DistributionProcess.freePort();
        String badKey = java.util.Base64.getEncoder().encodeToString(new byte[64]);
        try (RegistryProcess p = startReplica("wrong-key", port, wrongKey, Map.of("REGISTRY_HTTP_WARMUP_DISABLED", "true",
                "REGISTRY_STORAGE_AZURE_ACCOUNTKEY", badKey))) {
            String line = notReady(port);
            assertTrue(line.contains("azure storage account " + AzuriteServer.ACCOUNT + ", container " + container)
                    && line.contains("403"), line);
            assertFalse(p.output().contains(badKey), "the key is never logged");
            // The one line is the health check's: the SDK's own multi-line advice per refused request stays out.
            assertFalse(p.output().contains("StorageSharedKeyCredential"), p.output());
        }
        int closed = DistributionProcess.freePort();
        String unreachable = azurite.storageYaml(container, true, false)
                .replace(azurite.serviceUrl(), "http://127.0.0.1:" + closed + "/" + AzuriteServer.ACCOUNT) + fastProbe;
        port = DistributionProcess.freePort();
        try (RegistryProcess p = startReplica("unreachable", port, unreachable, noWarmUp)) {
            String line = notReady(port);
            assertTrue(line.contains("azure storage account " + AzuriteServer.ACCOUNT + ", container " + container)
                    && line.contains("unreachable at http://127.0.0.1:" + closed), line);
            assertFalse(p.output().contains(azurite.accountKey()), "the key is never logged");
        }
    }

    /** Waits for /readyz to report the storage check failing; returns that check's message, a single line. */
    private static String notReady(int port) throws Exception {
        RegistryHttp http = new RegistryHttp("http://127.0.0.1:" + port);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<byte[]> r = http.get("/readyz");
            body = new String(r.body(), StandardCharsets.UTF_8);
            for (JsonNode check : new ObjectMapper().readTree(body).path("checks")) {
                if (r.statusCode() == 503 && check.path("name").asText().equals("storagedriver_azure")
                        && check.path("status").asText().equals("failing")) {
                    String message = check.path("message").asText();
                    assertEquals(1, message.lines().count(), message);
                    return message;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("readiness never failed on the storage: " + body);
    }

    @Test
    void aMisspelledKeyStopsTheStartWithOneLine() throws Exception {
        Path config = config("typo", DistributionProcess.freePort(), azurite.storageYaml(container, true, false)
                .replace("container:", "contianer:"));
        try (RegistryProcess p = RegistryProcess.start(config.getParent(), List.of(), Map.of(), "serve",
                config.toString())) {
            assertEquals(2, p.waitForExit(Duration.ofMinutes(1)), p.output());
            assertEquals("portcullis-registry: config error: storage.azure.contianer: unknown key (did you mean"
                    + " storage.azure.container?)", p.output().strip(), p.output());
        }
    }

    private static String path(String location) {
        URI u = URI.create(location);
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }
}
