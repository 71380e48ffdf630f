package dev.portcullis.registry.testsupport;

import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.server.RegistryServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A Portcullis registry in this JVM on a free loopback port, from a Distribution config the test writes. */
public final class RunningRegistry implements AutoCloseable {
    private final RegistryServer server;
    private final Path storageRoot;

    private RunningRegistry(RegistryServer server, Path storageRoot) {
        this.server = server;
        this.storageRoot = storageRoot;
    }

    /** Plain HTTP on 127.0.0.1, filesystem storage under {@code dir}, delete enabled; {@code extraYaml} is merged in. */
    public static RunningRegistry start(Path dir) throws IOException {
        return start(dir, "");
    }

    public static RunningRegistry start(Path dir, String extraHttpYaml) throws IOException {
        Path root = dir.resolve("storage");
        String yaml = """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:0
                """.formatted(root) + extraHttpYaml;
        return startYaml(yaml, root, Map.of());
    }

    /**
     * Plain HTTP on 127.0.0.1 over the S3 driver: {@code bucket} of {@code s3}, root directory {@code /registry}, delete
     * enabled, pre-signed redirects for blob GETs when {@code redirect}; {@code extraYaml} is appended.
     */
    public static RunningRegistry startS3(Path dir, S3ProxyServer s3, String bucket, boolean redirect, String extraYaml)
            throws IOException {
        String yaml = """
                version: 0.1
                log:
                  level: warn
                http:
                  addr: 127.0.0.1:0
                """ + s3.storageYaml(bucket, true, redirect) + extraYaml;
        return startYaml(yaml, dir, Map.of());
    }

    public static RunningRegistry startYaml(String yaml, Path storageRoot, Map<String, String> env) throws IOException {
        RegistryConfig config = RegistryConfigLoader.parse(yaml, "test", env);
        return new RunningRegistry(RegistryServer.start(config), storageRoot);
    }

    public int port() {
        return server.port();
    }

    public int debugPort() {
        return server.debugPort().orElseThrow(() -> new IllegalStateException("no http.debug.addr configured"));
    }

    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    public String url() {
        return "http://" + hostPort();
    }

    public Path storageRoot() {
        return storageRoot;
    }

    @Override
    public void close() {
        server.close();
    }
}
