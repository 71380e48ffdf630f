package dev.portcullis.registry.clients;

import dev.portcullis.registry.testsupport.AzuriteServer;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo and containerd against Portcullis on the Azure driver, with SAS redirects on (the default): blob pulls follow
 * a 307 to Azurite, as they would to a storage account.
 */
class PortcullisAzureRealClientTest extends RealClientContract {
    @TempDir
    static Path azuriteDir;
    static AzuriteServer azurite;

    @TempDir
    Path registryDir;

    private RunningRegistry registry;

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = AzuriteServer.start(azuriteDir);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (azurite != null) {
            azurite.close();
        }
    }

    @BeforeEach
    void startPortcullis() throws Exception {
        registry = RunningRegistry.startYaml("""
                version: 0.1
                log:
                  level: warn
                http:
                  addr: 127.0.0.1:0
                """ + azurite.storageYaml(azurite.createContainer(), true, true), registryDir, Map.of());
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
