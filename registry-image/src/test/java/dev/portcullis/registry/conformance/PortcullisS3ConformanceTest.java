package dev.portcullis.registry.conformance;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite against Portcullis on the S3 driver (s3proxy). Blob GETs are streamed through the registry
 * ({@code storage.redirect.disable: true}): the suite's client does not follow redirects; the real-client contract on
 * S3 covers the pre-signed redirects.
 */
class PortcullisS3ConformanceTest extends OciConformanceSuite {
    @TempDir
    static Path work;

    private S3ProxyServer s3;
    private RunningRegistry registry;

    @BeforeAll
    void startPortcullis() throws Exception {
        s3 = S3ProxyServer.start(work);
        registry = RunningRegistry.startS3(work, s3, s3.createBucket(), false, "");
    }

    @AfterAll
    void stopPortcullis() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    protected boolean supportsMountWithoutFrom() {
        return false;
    }

    @Override
    protected URI registryBaseUrl() {
        return URI.create(registry.url());
    }
}
