package dev.portcullis.registry.conformance;

import dev.portcullis.registry.testsupport.AzuriteServer;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite against Portcullis on the Azure driver (Azurite). Blob GETs are streamed through the registry
 * ({@code storage.redirect.disable: true}): the suite's client does not follow redirects; {@code AzureReplicasTest}
 * covers the SAS redirects with containerd.
 */
class PortcullisAzureConformanceTest extends OciConformanceSuite {
    @TempDir
    static Path work;

    private AzuriteServer azurite;
    private RunningRegistry registry;

    @BeforeAll
    void startPortcullis() throws Exception {
        azurite = AzuriteServer.start(work);
        registry = RunningRegistry.startYaml("""
                version: 0.1
                log:
                  level: warn
                http:
                  addr: 127.0.0.1:0
                """ + azurite.storageYaml(azurite.createContainer(), true, false), work, Map.of());
    }

    @AfterAll
    void stopPortcullis() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (azurite != null) {
            azurite.close();
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
