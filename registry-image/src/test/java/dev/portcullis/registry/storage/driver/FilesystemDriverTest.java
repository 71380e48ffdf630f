package dev.portcullis.registry.storage.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver contract on the filesystem driver, plus what only a local filesystem has. */
class FilesystemDriverTest extends StorageDriverContract {
    @TempDir
    Path dir;

    private Path root;

    @Override
    protected StorageDriver newDriver() throws Exception {
        root = Files.createTempDirectory(dir, "fs");
        return new FilesystemDriver(root);
    }

    @Override
    protected StorageDriver replica() throws Exception {
        return new FilesystemDriver(root);
    }

    @Test
    void pathsAreFilesUnderTheRootAndOfferedForZeroCopy() throws Exception {
        driver.putContent("/docker/registry/v2/blobs/x/data", new byte[] {1, 2, 3});
        Path file = root.resolve("docker/registry/v2/blobs/x/data");
        assertEquals(3, Files.size(file));
        assertEquals(Optional.of(file), driver.localFile("/docker/registry/v2/blobs/x/data"));
        assertEquals(Optional.empty(), driver.localFile("/docker/registry/v2/blobs/y/data"));
    }

    @Test
    void temporaryFilesAreNeitherListedNorWalked() throws Exception {
        driver.putContent("/t/real", new byte[] {1});
        Files.writeString(root.resolve("t/.real.leftover-of-a-crash"), "x");
        assertEquals(List.of("/t/real"), driver.list("/t"));
        List<String> walked = new java.util.ArrayList<>();
        driver.walk("/t", f -> walked.add(f.path()));
        assertEquals(List.of("/t/real"), walked);
    }

    @Test
    void aVanishedRootFailsWritesInsteadOfBeingRecreated() throws Exception {
        Files.delete(root);
        assertThrows(NoSuchFileException.class, () -> driver.putContent("/a/b", new byte[1]));
        assertTrue(Files.notExists(root));
    }

    @Test
    void aProbeThatCannotWriteSaysSo() throws Exception {
        // A file where the scratch folder belongs: the write fails for real, as on a volume that refuses it.
        Files.writeString(root.resolve("_scratch"), "in the way");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> driver.healthCheck("/_scratch/probe"));
        assertTrue(e.getMessage().startsWith("writing the probe file /_scratch/probe failed: "), e.getMessage());
    }
}
