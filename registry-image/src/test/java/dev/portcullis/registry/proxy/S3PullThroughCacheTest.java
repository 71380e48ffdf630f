package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache writes through the storage interface, so it caches on S3 (s3proxy in-process) as on a filesystem: a pull,
 * then the same pull with the upstream stopped, served from the bucket (with pre-signed redirects for the blobs).
 */
class S3PullThroughCacheTest {
    @TempDir
    Path dir;

    @Test
    void cachesIntoABucketAndServesItWithTheUpstreamGone() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        OciImage image = OciImages.create(dir.resolve("image"), 2, 1, 7001);
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3"))) {
            DistributionProcess upstream = DistributionProcess.startPlain(dir.resolve("upstream"));
            RunningRegistry cache;
            try (upstream) {
                skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"),
                        new Skopeo.Remote(RegistryTarget.plainHttp(upstream.hostPort()), "library/app:v1"));
                cache = RunningRegistry.startS3(dir.resolve("cache"), s3, s3.createBucket(), true, """
                        proxy:
                          upstreams:
                            - name: docker.io
                              remoteurl: http://%s
                              tagttl: 1s
                        """.formatted(upstream.hostPort()));
                skopeo.copy(new Skopeo.Remote(RegistryTarget.plainHttp(cache.hostPort()), "docker.io/library/app:v1"),
                        new Skopeo.OciDir(dir.resolve("first"), "v1"));
                assertEquals(image.manifestDigest(), OciImage.read(dir.resolve("first")).manifestDigest());
            }
            try (cache) {
                Thread.sleep(1200);
                skopeo.copy(new Skopeo.Remote(RegistryTarget.plainHttp(cache.hostPort()), "docker.io/library/app:v1"),
                        new Skopeo.OciDir(dir.resolve("offline"), "v1"));
                assertEquals(image.manifestDigest(), OciImage.read(dir.resolve("offline")).manifestDigest());
            }
        }
    }
}
