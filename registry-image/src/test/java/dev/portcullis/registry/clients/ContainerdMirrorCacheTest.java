package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's view of the cache: containerd pulls {@code docker.io/library/...} with a {@code hosts.toml} naming the cache
 * as docker.io's mirror, so its requests carry {@code ?ns=docker.io} and the upstream's own repository name. A local
 * Distribution stands for docker.io. Nothing in the image name changes.
 */
class ContainerdMirrorCacheTest {
    @TempDir
    Path dir;

    @Test
    void containerdPullsDockerHubNamesThroughTheCacheByNs() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        OciImage image = OciImages.create(dir.resolve("image"), 2, 0.5, 6001);
        try (DistributionProcess hub = DistributionProcess.startPlain(dir.resolve("hub"))) {
            Skopeo.create(dir.resolve("skopeo")).copy(new Skopeo.OciDir(image.dir(), "latest"),
                    new Skopeo.Remote(RegistryTarget.plainHttp(hub.hostPort()), "library/app:v1"));
            try (RunningRegistry cache = RunningRegistry.start(dir.resolve("cache"), """
                    proxy:
                      upstreams:
                        - name: docker.io
                          remoteurl: http://%s
                    """.formatted(hub.hostPort()));
                 ContainerdNode node = ContainerdNode.start()) {
                Path hosts = HostsToml.writeAlias(dir.resolve("certs.d"), "docker.io",
                        RegistryTarget.plainHttp(cache.hostPort()), false);
                node.pull("docker.io/library/app:v1", hosts);
                assertEquals(image.manifestDigest(), node.imageDigest("docker.io/library/app:v1"));
                assertTrue(node.completeAndUnpacked("docker.io/library/app:v1"));
                // Cached under the upstream's prefix, where a pull by name without ?ns= finds it too.
                assertTrue(Files.isDirectory(cache.storageRoot().resolve("docker/registry/v2/repositories/docker.io/library/app")));
                assertEquals(image.manifestDigest(), Skopeo.create(dir.resolve("skopeo-2")).inspectDigest(
                        RegistryTarget.plainHttp(cache.hostPort()), "docker.io/library/app:v1"));
            }
        }
    }
}
