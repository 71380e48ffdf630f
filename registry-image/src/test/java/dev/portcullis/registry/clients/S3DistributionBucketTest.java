package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bucket written by Portcullis is served by CNCF Distribution's S3 driver unchanged: the same key layout, so a user
 * can switch registries without migrating the bucket. (The other direction cannot be shown on s3proxy: Distribution
 * 2.8's S3 writer panics on s3proxy's ListMultipartUploads answer, so Distribution cannot push to it at all.)
 */
class S3DistributionBucketTest {
    @TempDir
    Path dir;

    @Test
    void distributionAndPortcullisShareABucket() throws Exception {
        assumeTrue(DistributionProcess.installed(), "docker-registry (Distribution) is not installed");
        try (S3ProxyServer s3 = S3ProxyServer.start(dir)) {
            String bucket = s3.createBucket();
            String storage = """
                    storage:
                      s3:
                        accesskey: %s
                        secretkey: %s
                        region: %s
                        regionendpoint: %s
                        bucket: %s
                        rootdirectory: /registry
                        secure: false
                        v4auth: true
                        chunksize: 5242880
                      redirect:
                        disable: true
                      delete:
                        enabled: true
                    """.formatted(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, S3ProxyServer.REGION,
                    s3.endpoint(), bucket);
            Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
            // Layers above the S3 part size, so Portcullis writes them with multipart uploads and copies.
            OciImage image = OciImages.create(dir.resolve("src"), 2, 6, 82);
            try (RunningRegistry portcullis = RunningRegistry.startS3(dir.resolve("portcullis"), s3, bucket, false, "")) {
                RegistryTarget p = RegistryTarget.plainHttp(portcullis.hostPort());
                skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(p, "shared/app:v1"),
                        "--preserve-digests");
                skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(p, "shared/app:v2"),
                        "--preserve-digests");
            }
            try (DistributionProcess distribution = DistributionProcess.start(dir.resolve("distribution"), """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    http:
                      addr: 127.0.0.1:${PORT}
                    """ + storage)) {
                RegistryTarget d = RegistryTarget.plainHttp(distribution.hostPort());
                Path back = dir.resolve("back");
                try {
                    skopeo.copy(new Skopeo.Remote(d, "shared/app:v1"), new Skopeo.OciDir(back, "v1"), "--preserve-digests");
                    assertEquals(List.of("v1", "v2"), skopeo.listTags(d, "shared/app").stream().sorted().toList());
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nDistribution's log:\n" + Files.readString(distribution.log()), e);
                }
                for (String digest : image.allDigests()) {
                    assertEquals(-1L, Files.mismatch(image.blob(digest), OciImage.read(back).blob(digest)), digest);
                }
            }
        }
    }

    /**
     * The other direction, with Distribution's own tree: Distribution writes to its filesystem driver (the same layout
     * its S3 driver writes, key for path), the tree is copied into the bucket as it is, and Portcullis serves it.
     */
    @Test
    void portcullisServesATreeWrittenByDistribution() throws Exception {
        assumeTrue(DistributionProcess.installed(), "docker-registry (Distribution) is not installed");
        Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
        OciImage image = OciImages.create(dir.resolve("src"), 2, 1, 83);
        Path work = dir.resolve("distribution");
        try (DistributionProcess distribution = DistributionProcess.startPlain(work)) {
            skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"),
                    new Skopeo.Remote(RegistryTarget.plainHttp(distribution.hostPort()), "written/by-distribution:v1"),
                    "--preserve-digests");
        }
        try (S3ProxyServer s3 = S3ProxyServer.start(dir)) {
            String bucket = s3.createBucket();
            Path root = work.resolve("storage");
            try (var files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String key = "registry/" + root.relativize(f).toString().replace('\\', '/');
                    s3.blobStore().putBlob(bucket, s3.blobStore().blobBuilder(key).payload(f.toFile())
                            .contentLength(Files.size(f)).build());
                }
            }
            try (RunningRegistry portcullis = RunningRegistry.startS3(dir.resolve("portcullis"), s3, bucket, false, "")) {
                RegistryTarget p = RegistryTarget.plainHttp(portcullis.hostPort());
                assertEquals(image.manifestDigest(), skopeo.inspectDigest(p, "written/by-distribution:v1"));
                Path back = dir.resolve("back");
                skopeo.copy(new Skopeo.Remote(p, "written/by-distribution:v1"), new Skopeo.OciDir(back, "v1"),
                        "--preserve-digests");
                for (String digest : image.allDigests()) {
                    assertEquals(-1L, Files.mismatch(image.blob(digest), OciImage.read(back).blob(digest)), digest);
                }
                assertEquals(List.of("v1"), skopeo.listTags(p, "written/by-distribution"));
            }
        }
    }
}
