package dev.portcullis.registry.storage.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portcullis.registry.storage.driver.StorageDriver;
import dev.portcullis.registry.storage.driver.StorageDriverContract;
import dev.portcullis.registry.testsupport.AzuriteServer;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver contract on Azurite: each test in a new container, under a root directory as deployments use one; and
 * what a missing container looks like.
 */
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
        Map<String, Object> params = new HashMap<>(azurite.storageParameters(container));
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

    @Test
    void aMissingContainerIsNamedNotCreated() {
        Map<String, Object> params = new HashMap<>(azurite.storageParameters("never-made"));
        AzureDriver absent = new AzureDriver(AzureSettings.from(params, false));
        IOException e = assertThrows(IOException.class, () -> absent.putContent("/probe", new byte[] {1}));
        assertFalse(e instanceof NoSuchFileException, e.toString());
        assertEquals("azure storage account " + AzuriteServer.ACCOUNT + ", container never-made: writing /probe: the"
                + " container does not exist (404 ContainerNotFound): create it", e.getMessage());
        assertThrows(IOException.class, () -> absent.list("/"));
    }
}
