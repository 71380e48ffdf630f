package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream failures between the cache and a real Distribution: the relay in front of it resets a blob transfer
 * halfway, or answers as a rate limiter (429) or a failing load balancer (503) would, or is gone. Each case ends in
 * the spec's error format for what the cache does not hold, and in the cached copy for what it does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamFaultsTest {
    @TempDir
    static Path dir;
    private DistributionProcess upstream;
    private FaultyTcpProxy relay;
    private RunningRegistry cache;
    private RegistryHttp http;
    private OciImage image;

    @BeforeAll
    void start() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        upstream = DistributionProcess.startPlain(dir.resolve("upstream"));
        image = OciImages.create(dir.resolve("image"), 1, 2, 3001);
        Skopeo.create(dir.resolve("skopeo")).copy(new Skopeo.OciDir(image.dir(), "latest"),
                new Skopeo.Remote(RegistryTarget.plainHttp(upstream.hostPort()), "tools/app:v1"));
        relay = new FaultyTcpProxy(upstream.port());
        cache = RunningRegistry.start(dir.resolve("cache"), """
                proxy:
                  remoteurl: http://127.0.0.1:%d
                  tagttl: 1s
                """.formatted(relay.port()));
        http = new RegistryHttp(cache.url());
    }

    @BeforeEach
    void healthyRelay() {
        relay.mode(FaultyTcpProxy.Mode.PASS);
    }

    @AfterAll
    void stop() throws IOException {
        if (cache != null) {
            cache.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void aTransferResetHalfwayStoresNothingAndTheNextPullFetchesItWhole() throws Exception {
        String layer = image.layerDigests().get(0);
        Path stored = cache.storageRoot().resolve("docker/registry/v2/blobs/sha256").resolve(layer.substring(7, 9))
                .resolve(layer.substring(7)).resolve("data");
        relay.mode(FaultyTcpProxy.Mode.RESET_MID_RESPONSE);
        // The client sees a broken transfer (headers went out with the length), never a complete wrong blob.
        assertThrows(IOException.class, () -> http.get("/v2/tools/app/blobs/" + layer));
        assertTrue(relay.resets() > 0);
        assertFalse(Files.exists(stored), "nothing of the broken transfer is in the storage");

        relay.mode(FaultyTcpProxy.Mode.PASS);
        HttpResponse<byte[]> whole = http.get("/v2/tools/app/blobs/" + layer);
        assertEquals(200, whole.statusCode());
        assertArrayEquals(Files.readAllBytes(image.blob(layer)), whole.body());
    }

    @Test
    void whatIsNotCachedAnswersTheUpstreamsFailureInTheSpecsFormat() throws Exception {
        relay.mode(FaultyTcpProxy.Mode.TOO_MANY_REQUESTS);
        HttpResponse<byte[]> limited = http.get("/v2/tools/app/manifests/never-seen");
        assertEquals(429, limited.statusCode());
        assertTrue(body(limited).contains("\"TOOMANYREQUESTS\""), body(limited));
        assertEquals("7", limited.headers().firstValue("Retry-After").orElse(null));

        relay.mode(FaultyTcpProxy.Mode.SERVICE_UNAVAILABLE);
        HttpResponse<byte[]> failing = http.get("/v2/tools/app/blobs/sha256:" + "1".repeat(64));
        assertEquals(503, failing.statusCode());
        assertTrue(body(failing).contains("\"UNAVAILABLE\"") && body(failing).contains("503"), body(failing));
    }

    @Test
    void aCachedTagAndItsBlobsAreServedWhateverTheUpstreamDoes() throws Exception {
        HttpResponse<byte[]> fresh = http.get("/v2/tools/app/manifests/v1");
        assertEquals(200, fresh.statusCode());
        String layer = image.layerDigests().get(0);
        assertEquals(200, http.get("/v2/tools/app/blobs/" + layer).statusCode());
        for (FaultyTcpProxy.Mode fault : new FaultyTcpProxy.Mode[] {FaultyTcpProxy.Mode.TOO_MANY_REQUESTS,
                FaultyTcpProxy.Mode.SERVICE_UNAVAILABLE}) {
            relay.mode(fault);
            Thread.sleep(1200); // past the tag's ttl: the cache asks the upstream first
            HttpResponse<byte[]> stale = http.get("/v2/tools/app/manifests/v1");
            assertEquals(200, stale.statusCode(), fault + ": " + body(stale));
            assertEquals(image.manifestDigest(), stale.headers().firstValue("Docker-Content-Digest").orElseThrow());
            assertArrayEquals(Files.readAllBytes(image.blob(layer)), http.get("/v2/tools/app/blobs/" + layer).body());
        }
    }

    @Test
    void distributionsSingleUpstreamFormRefusesEveryPushAndDeleteAsUnsupported() throws Exception {
        for (String[] call : new String[][] {{"POST", "/v2/any/name/blobs/uploads/"},
                {"PUT", "/v2/tools/app/manifests/v2"}, {"DELETE", "/v2/tools/app/manifests/" + image.manifestDigest()},
                {"DELETE", "/v2/tools/app/blobs/" + image.layerDigests().get(0)}}) {
            HttpResponse<byte[]> r = http.send(call[0], call[1], call[0].equals("PUT") ? "{}".getBytes() : null);
            assertEquals(405, r.statusCode(), call[0] + " " + call[1]);
            assertTrue(body(r).contains("\"UNSUPPORTED\"") && body(r).contains("pull-through cache"), body(r));
        }
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
