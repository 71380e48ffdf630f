package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache is bounded: what was not pulled within the upstream's {@code ttl} is unlinked by the expiry, and the
 * registry's own garbage collector ({@code storage.maintenance.gc}) frees its content. Hosted content next to it stays.
 */
class CacheExpiryTest {
    @TempDir
    Path dir;

    @Test
    void contentNotPulledWithinTheTtlIsCollectedAndHostedContentStays() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        OciImage cached = OciImages.create(dir.resolve("cached"), 1, 0.3, 4001);
        OciImage hosted = OciImages.create(dir.resolve("hosted"), 1, 0.3, 4002);
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
        try (DistributionProcess upstream = DistributionProcess.startPlain(dir.resolve("upstream"))) {
            skopeo.copy(new Skopeo.OciDir(cached.dir(), "latest"),
                    new Skopeo.Remote(RegistryTarget.plainHttp(upstream.hostPort()), "library/tool:v1"));
            Path root = dir.resolve("cache-storage");
            try (RunningRegistry cache = RunningRegistry.startYaml("""
                    version: 0.1
                    log:
                      level: warn
                    storage:
                      filesystem:
                        rootdirectory: %s
                      maintenance:
                        gc:
                          enabled: true
                          interval: 1s
                          grace: 0s
                    http:
                      addr: 127.0.0.1:0
                    proxy:
                      upstreams:
                        - name: docker.io
                          remoteurl: http://%s
                          ttl: 3s
                    """.formatted(root, upstream.hostPort()), root, java.util.Map.of())) {
                RegistryTarget target = RegistryTarget.plainHttp(cache.hostPort());
                skopeo.copy(new Skopeo.Remote(target, "docker.io/library/tool:v1"), new Skopeo.OciDir(dir.resolve("pulled"), "v1"));
                skopeo.copy(new Skopeo.OciDir(hosted.dir(), "latest"), new Skopeo.Remote(target, "team/tool:v1"));
                Path layer = blobFile(cache, cached.layerDigests().get(0));
                assertTrue(Files.exists(layer), "the pull cached the layer");

                // ttl 3s, expiry every 1.5s, collection every second with no grace: gone within a few seconds.
                await(() -> !Files.exists(layer), Duration.ofSeconds(60));
                assertFalse(Files.exists(blobFile(cache, cached.configDigest())));
                for (String digest : hosted.allDigests()) {
                    assertTrue(Files.exists(blobFile(cache, digest)), "hosted " + digest + " survives");
                }
                assertEquals(hosted.manifestDigest(), skopeo.inspectDigest(target, "team/tool:v1"));
                // Expired is not lost: the next pull fetches it again.
                assertEquals(cached.manifestDigest(), skopeo.inspectDigest(target, "docker.io/library/tool:v1"));
            }
        }
    }

    private static Path blobFile(RunningRegistry r, String digest) {
        return r.storageRoot().resolve("docker/registry/v2/blobs/sha256").resolve(digest.substring(7, 9))
                .resolve(digest.substring(7)).resolve("data");
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(200);
        }
    }
}
