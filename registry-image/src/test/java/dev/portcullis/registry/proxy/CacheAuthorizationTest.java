package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Pulls of a cache are authorized for the name the content is stored under: a rule for {@code docker.io/**} covers a
 * containerd mirror request ({@code library/app?ns=docker.io}) and does not open the hosted {@code library/app}.
 */
class CacheAuthorizationTest {
    @TempDir
    Path dir;

    @Test
    void anonymousPullOfTheCacheByNsFollowsTheRuleForItsStoredName() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        OciImage image = OciImages.create(dir.resolve("image"), 1, 0.1, 8001);
        try (DistributionProcess hub = DistributionProcess.startPlain(dir.resolve("hub"))) {
            Skopeo.create(dir.resolve("skopeo")).copy(new Skopeo.OciDir(image.dir(), "latest"),
                    new Skopeo.Remote(RegistryTarget.plainHttp(hub.hostPort()), "library/app:v1"));
            Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "admin:" + BCrypt.hashpw("admin-pw", BCrypt.gensalt(4)) + "\n");
            try (RunningRegistry cache = RunningRegistry.start(dir.resolve("cache"), """
                    auth:
                      htpasswd:
                        realm: cache
                        path: %s
                      anonymous:
                        pull: true
                        repositories: ["docker.io/**"]
                    proxy:
                      upstreams:
                        - name: docker.io
                          remoteurl: http://%s
                    """.formatted(htpasswd, hub.hostPort()))) {
                RegistryHttp anonymous = new RegistryHttp(cache.url());
                assertEquals(200, anonymous.get("/v2/library/app/manifests/v1?ns=docker.io").statusCode());
                assertEquals(200, anonymous.get("/v2/docker.io/library/app/manifests/v1").statusCode());
                // Without ?ns= the same path is the hosted library/app, which the rule does not open.
                assertEquals(401, anonymous.get("/v2/library/app/manifests/v1").statusCode());
            }
        }
    }
}
