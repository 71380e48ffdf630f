package dev.portcullis.registry.storage.azure;

import dev.portcullis.registry.storage.driver.StorageDriver;
import dev.portcullis.registry.storage.driver.StorageDriverContract;
import dev.portcullis.registry.testsupport.AzuriteServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The driver contract on Azurite: each test in a new container, under a root directory as deployments use one. */
class AzureDriverContractTest extends StorageDriverContract {
    @TempDir
    static Path dir;

    private static AzuriteServer azurite;
    private AzureSettings settings;

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = AzuriteServer.start(dir);
    }

    @AfterAll
    static void stopAzurite() throws Exception {
        if (azurite != null) {
            azurite.close();
        }
    }

    @Override
    protected StorageDriver newDriver() {
        String container = azurite.createContainer();
        java.util.Map<String, Object> params = new java.util.HashMap<>(azurite.storageParameters(container));
        params.put("rootdirectory", "/registry/");
        settings = AzureSettings.from(params, false);
        return new AzureDriver(settings);
    }

    @Override
    protected StorageDriver replica() {
        return new AzureDriver(settings);
    }

    @Override
    protected int partSize() {
        return AzureBlockWriter.BLOCK_SIZE;
    }
}
