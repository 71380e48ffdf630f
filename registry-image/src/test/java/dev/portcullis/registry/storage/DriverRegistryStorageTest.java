package dev.portcullis.registry.storage;

import dev.portcullis.registry.storage.driver.FilesystemDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry layer, tested once: the storage contract on {@link DriverRegistryStorage} over the filesystem driver.
 * What each driver must do for it is {@code StorageDriverContract}'s business.
 */
class DriverRegistryStorageTest extends RegistryStorageContract {
    @TempDir
    Path dir;

    private Path root;

    @Override
    protected RegistryStorage newStorage() throws Exception {
        root = Files.createTempDirectory(dir, "fs");
        return new DriverRegistryStorage(new FilesystemDriver(root));
    }

    @Override
    protected RegistryStorage replica() throws Exception {
        return new DriverRegistryStorage(new FilesystemDriver(root));
    }
}
