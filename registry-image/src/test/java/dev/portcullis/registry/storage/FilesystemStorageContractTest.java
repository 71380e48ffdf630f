package dev.portcullis.registry.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on the filesystem driver. */
class FilesystemStorageContractTest extends RegistryStorageContract {
    @TempDir
    Path dir;

    private Path root;

    @Override
    protected RegistryStorage newStorage() throws Exception {
        root = Files.createTempDirectory(dir, "fs");
        return new FilesystemStorage(root);
    }

    @Override
    protected RegistryStorage replica() throws Exception {
        return new FilesystemStorage(root);
    }
}
