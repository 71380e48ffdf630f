package dev.portcullis.registry;

import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.server.RegistryServer;
import java.nio.file.Path;
import java.util.Map;

/** The registry you get with no arguments: one command to try Portcullis on a laptop. */
final class EmbeddedDefault {
    private EmbeddedDefault() {}

    static RegistryConfig config(Map<String, String> env) {
        Path data = Path.of("registry-data").toAbsolutePath();
        String yaml = """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:5000
                """.formatted(data);
        return RegistryConfigLoader.fromTree(ConfigTree.parse(yaml, "embedded default").withEnvironment(env));
    }

    static void printWelcome(RegistryServer server) {
        String hostPort = "127.0.0.1:" + server.port();
        System.out.println("""

                Portcullis registry on http://%1$s, storing under %2$s
                Push an image to it:
                  skopeo copy --dest-tls-verify=false docker://docker.io/library/alpine:latest docker://%1$s/alpine:latest
                  docker push %1$s/alpine:latest      (Docker treats 127.0.0.0/8 as an insecure registry)
                """.formatted(hostPort, RegistryConfigLoader.filesystemRoot(server.config().storage())));
    }
}
