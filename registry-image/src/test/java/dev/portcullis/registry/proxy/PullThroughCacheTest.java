package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.Credentials;
import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.clients.TestPki;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The cache in front of a real upstream: CNCF Distribution 2.8.2 over TLS with an htpasswd login, which the cache
 * reaches with Basic credentials from a file and the test's CA. Clients are skopeo and plain HTTP. The upstream's
 * access log is the witness of how often content crossed from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PullThroughCacheTest {
    private static final Credentials UPSTREAM_USER = new Credentials("mirror-robot", "upstream-pw-1");
    private static final Duration TAG_TTL = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private DistributionProcess upstream;
    private RegistryTarget upstreamTarget;
    private RunningRegistry cache;
    private RegistryTarget cacheTarget;
    private Skopeo skopeo;
    private OciImage app;
    private OciImage big;

    @BeforeAll
    void start() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        skopeo = Skopeo.create(dir.resolve("skopeo"));
        TestPki pki = TestPki.create(dir.resolve("pki"));
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, UPSTREAM_USER.user() + ":"
                + BCrypt.hashpw(UPSTREAM_USER.password(), BCrypt.gensalt(4)) + "\n");
        upstream = DistributionProcess.start(dir.resolve("upstream"), """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: ${ROOT}
                auth:
                  htpasswd:
                    realm: upstream
                    path: %s
                http:
                  addr: 127.0.0.1:${PORT}
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(htpasswd, pki.serverCert(), pki.serverKey()));
        upstreamTarget = new RegistryTarget(upstream.hostPort(), "https", Optional.of(UPSTREAM_USER), pki.skopeoCertDir(),
                pki.caCert(), null, null);
        app = OciImages.create(dir.resolve("app"), 2, 0.5, 2001);
        big = OciImages.create(dir.resolve("big"), 1, 48, 2002);
        push(app, "library/app:v1");
        push(app, "library/app-copy:v1");
        push(big, "big:v1");

        Path password = Files.writeString(dir.resolve("upstream-password"), UPSTREAM_USER.password() + "\n");
        cache = RunningRegistry.start(dir.resolve("cache"), """
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                proxy:
                  upstreams:
                    - name: upstream.test
                      remoteurl: https://%s
                      username: %s
                      passwordfile: %s
                      cafile: %s
                      tagttl: %ds
                """.formatted(upstream.hostPort(), UPSTREAM_USER.user(), password, pki.caCert(), TAG_TTL.toSeconds()));
        cacheTarget = RegistryTarget.plainHttp(cache.hostPort());
    }

    @AfterAll
    void stop() {
        if (cache != null) {
            cache.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    @Order(1)
    void firstPullFetchesEachBlobOnceAndTheSecondIsServedFromTheCache() throws Exception {
        Path first = dir.resolve("pulled-1");
        skopeo.copy(new Skopeo.Remote(cacheTarget, "upstream.test/library/app:v1"), new Skopeo.OciDir(first, "v1"));
        assertEquals(app.manifestDigest(), OciImage.read(first).manifestDigest());
        for (String digest : app.allDigests()) {
            assertArrayEquals(Files.readAllBytes(app.blob(digest)), Files.readAllBytes(OciImage.read(first).blob(digest)));
        }
        Path second = dir.resolve("pulled-2");
        skopeo.copy(new Skopeo.Remote(cacheTarget, "upstream.test/library/app:v1"), new Skopeo.OciDir(second, "v1"));
        assertEquals(app.manifestDigest(), OciImage.read(second).manifestDigest());
        List<String> blobs = new java.util.ArrayList<>(app.layerDigests());
        blobs.add(app.configDigest());
        for (String digest : blobs) {
            assertEquals(1, upstreamServed("library/app", digest), "upstream served " + digest);
        }
        // The same layers in another repository of the upstream: confirmed there with a HEAD, mounted, not fetched.
        Path copy = dir.resolve("pulled-copy");
        skopeo.copy(new Skopeo.Remote(cacheTarget, "upstream.test/library/app-copy:v1"), new Skopeo.OciDir(copy, "v1"));
        assertEquals(app.manifestDigest(), OciImage.read(copy).manifestDigest());
        for (String digest : blobs) {
            assertEquals(0, upstreamServed("library/app-copy", digest), "fetched again: " + digest);
        }
        String metrics = metrics();
        assertTrue(metrics.contains("registry_proxy_hits_total{kind=\"blob\",upstream=\"upstream.test\"}"), metrics);
        assertTrue(metrics.contains("registry_proxy_misses_total{kind=\"manifest\",upstream=\"upstream.test\"}"), metrics);
        assertTrue(metrics.contains("registry_proxy_upstream_bytes_total{upstream=\"upstream.test\"}"), metrics);
    }

    @Test
    @Order(2)
    void twoClientsPullingTheSameLargeBlobAtOnceCostOneUpstreamTransfer() throws Exception {
        String layer = big.layerDigests().get(0);
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(big.blob(layer)));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Path stored = cache.storageRoot().resolve("docker/registry/v2/blobs/sha256")
                .resolve(layer.substring(7, 9)).resolve(layer.substring(7)).resolve("data");
        Callable<Boolean> pull = () -> {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(cache.url()
                    + "/v2/upstream.test/big/blobs/" + layer)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            boolean storedAtFirstByte = false;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[64 * 1024];
                int n = in.read(buf);
                // The first bytes come while the upstream transfer is still running: the blob is not stored yet.
                storedAtFirstByte = Files.exists(stored);
                while (n >= 0) {
                    md.update(buf, 0, n);
                    n = in.read(buf);
                }
            }
            assertArrayEquals(expected, md.digest());
            return storedAtFirstByte;
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Boolean>> both = pool.invokeAll(List.of(pull, pull));
            for (Future<Boolean> f : both) {
                assertFalse(f.get(), "a client waited for the whole blob before its first byte");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, upstreamServed("big", layer));
        // Clients have their bytes once the digest matched; the copy into the storage follows.
        Instant deadline = Instant.now().plusSeconds(60);
        while (!Files.exists(stored) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(stored), "the verified blob is in the cache's storage");
        assertTrue(pull.call(), "a third pull is served from the storage");
        assertEquals(1, upstreamServed("big", layer));
    }

    @Test
    @Order(3)
    void pushesAndDeletesToACacheAreRefusedWhileHostedRepositoriesTakeThem() throws Exception {
        RegistryHttp http = new RegistryHttp(cache.url());
        HttpResponse<byte[]> push = http.send("POST", "/v2/upstream.test/library/app/blobs/uploads/", null);
        assertEquals(405, push.statusCode());
        assertTrue(new String(push.body(), StandardCharsets.UTF_8).contains("\"UNSUPPORTED\""));
        HttpResponse<byte[]> delete = http.send("DELETE", "/v2/upstream.test/library/app/manifests/" + app.manifestDigest(), null);
        assertEquals(405, delete.statusCode());
        // The same repository named through containerd's ?ns= is the cache too.
        assertEquals(405, http.send("POST", "/v2/library/app/blobs/uploads/?ns=upstream.test", null).statusCode());
        skopeo.copy(new Skopeo.OciDir(app.dir(), "latest"), new Skopeo.Remote(cacheTarget, "team/app:v1"));
        assertEquals(app.manifestDigest(), skopeo.inspectDigest(cacheTarget, "team/app:v1"));
        // A hosted blob is not reachable through a cache's name by its digest.
        OciImage secret = OciImages.create(dir.resolve("secret"), 1, 0.1, 2004);
        skopeo.copy(new Skopeo.OciDir(secret.dir(), "latest"), new Skopeo.Remote(cacheTarget, "team/secret:v1"));
        HttpResponse<byte[]> leak = http.get("/v2/upstream.test/team/secret/blobs/" + secret.layerDigests().get(0));
        assertEquals(404, leak.statusCode());
        assertTrue(new String(leak.body(), StandardCharsets.UTF_8).contains("\"BLOB_UNKNOWN\""));
    }

    @Test
    @Order(4)
    void aTagTheUpstreamNeverHadIsManifestUnknownAndWrongCredentialsAClearDenial() throws Exception {
        RegistryHttp http = new RegistryHttp(cache.url());
        HttpResponse<byte[]> missing = http.get("/v2/upstream.test/library/app/manifests/nope");
        assertEquals(404, missing.statusCode());
        String body = new String(missing.body(), StandardCharsets.UTF_8);
        assertTrue(body.contains("\"MANIFEST_UNKNOWN\"") && body.contains("upstream.test"), body);
        assertEquals(404, http.get("/v2/upstream.test/library/app/blobs/sha256:" + "0".repeat(64)).statusCode());

        Path wrong = Files.writeString(dir.resolve("wrong-password"), "not-it");
        try (RunningRegistry badCache = RunningRegistry.start(dir.resolve("bad-cache"), """
                proxy:
                  upstreams:
                    - name: upstream.test
                      remoteurl: https://%s
                      username: %s
                      passwordfile: %s
                      cafile: %s
                """.formatted(upstream.hostPort(), UPSTREAM_USER.user(), wrong, upstreamTarget.caCert()))) {
            HttpResponse<byte[]> denied = new RegistryHttp(badCache.url()).get("/v2/upstream.test/library/app/manifests/v1");
            String text = new String(denied.body(), StandardCharsets.UTF_8);
            assertEquals(403, denied.statusCode(), text);
            assertTrue(text.contains("\"DENIED\"") && text.contains("credentials"), text);
            assertFalse(text.contains("not-it"));
        }
    }

    @Test
    @Order(5)
    void aTagMovedUpstreamIsServedOnceItsTtlHasPassed() throws Exception {
        OciImage next = OciImages.create(dir.resolve("app-next"), 1, 0.2, 2003);
        push(next, "moving:v1");
        RegistryHttp http = new RegistryHttp(cache.url());
        assertEquals(next.manifestDigest(), digestOf(http, "/v2/upstream.test/moving/manifests/v1"));
        Instant validated = Instant.now();
        push(app, "moving:v1");
        assertTrue(Duration.between(validated, Instant.now()).compareTo(TAG_TTL) < 0, "the push took longer than the tag ttl");
        assertEquals(next.manifestDigest(), digestOf(http, "/v2/upstream.test/moving/manifests/v1"),
                "within its ttl the cached tag is served without asking the upstream");
        Thread.sleep(Duration.between(Instant.now(), validated.plus(TAG_TTL).plusMillis(500)).toMillis());
        assertEquals(app.manifestDigest(), digestOf(http, "/v2/upstream.test/moving/manifests/v1"));
    }

    @Test
    @Order(6)
    void withTheUpstreamStoppedCachedTagsAndBlobsAreStillServed() throws Exception {
        upstream.close();
        // Older than its ttl by now: the re-validation fails, the cached tag is served.
        Thread.sleep(TAG_TTL.toMillis() + 500);
        Path offline = dir.resolve("pulled-offline");
        skopeo.copy(new Skopeo.Remote(cacheTarget, "upstream.test/library/app:v1"), new Skopeo.OciDir(offline, "v1"));
        assertEquals(app.manifestDigest(), OciImage.read(offline).manifestDigest());
        assertTrue(metrics().contains("registry_proxy_stale_total{upstream=\"upstream.test\"}"));
        // What was never cached is an outage, in the spec's format.
        HttpResponse<byte[]> never = new RegistryHttp(cache.url()).get("/v2/upstream.test/library/other/manifests/v1");
        assertEquals(503, never.statusCode());
        assertTrue(new String(never.body(), StandardCharsets.UTF_8).contains("\"UNAVAILABLE\""));
    }

    private void push(OciImage image, String repoTag) {
        skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(upstreamTarget, repoTag));
    }

    private static String digestOf(RegistryHttp http, String path) throws Exception {
        HttpResponse<byte[]> r = http.get(path);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

    /** Successful GETs of the blob in the upstream's access log. */
    private long upstreamServed(String repository, String digest) throws Exception {
        // Combined log format; the cache speaks HTTP/2 to a TLS upstream.
        String request = "\"GET /v2/" + repository + "/blobs/" + digest + " HTTP/";
        return Files.readAllLines(upstream.log()).stream().filter(l -> l.contains(request) && l.contains("\" 200 ")).count();
    }

    private String metrics() throws Exception {
        return new String(new RegistryHttp("http://127.0.0.1:" + cache.debugPort()).get("/metrics").body(),
                StandardCharsets.UTF_8);
    }
}
