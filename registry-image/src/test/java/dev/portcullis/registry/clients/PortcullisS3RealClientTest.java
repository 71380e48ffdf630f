package dev.portcullis.registry.clients;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo and containerd against Portcullis on the S3 driver, with pre-signed redirects on (the default): blob pulls
 * follow a 307 to s3proxy, as they would to S3.
 */
class PortcullisS3RealClientTest extends RealClientContract {
    @TempDir
    static Path s3dir;
    static S3ProxyServer s3;

    @TempDir
    Path registryDir;

    private RunningRegistry registry;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start(s3dir);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @BeforeEach
    void startPortcullis() throws Exception {
        registry = RunningRegistry.startS3(registryDir, s3, s3.createBucket(), true, "");
    }

    @AfterEach
    void stopPortcullis() {
        if (registry != null) {
            registry.close();
        }
    }

    @Override
    protected RegistryTarget registry() {
        return RegistryTarget.plainHttp(registry.hostPort());
    }
}
