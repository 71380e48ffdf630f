package dev.portcullis.registry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.driver.FileWriter;
import dev.portcullis.registry.storage.driver.InMemoryDriver;
import dev.portcullis.registry.storage.driver.StorageDriver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Two pushes of one manifest race to write its content. On Azure the later commit of a block list discards the
 * blocks the other writer staged, whose own commit then fails ({@code 400 InvalidBlockList}, seen in CI's concurrent
 * skopeo pushes to one tag): the content is there all the same, and the push must not answer 500. A write that failed
 * with nothing written still fails.
 */
class RacingManifestWriteTest {
    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
            + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}")
            .getBytes(StandardCharsets.UTF_8);
    private static final RepositoryName REPO = RepositoryName.parse("race/app");

    @Test
    void aCommitOvertakenByAnIdenticalWriteStillStoresTheManifest() throws IOException {
        InMemoryDriver store = new InMemoryDriver();
        DriverRegistryStorage storage = new DriverRegistryStorage(overtaking(store, true));
        StoredManifest manifest = new StoredManifest(Digest.sha256(MANIFEST),
                "application/vnd.oci.image.manifest.v1+json", MANIFEST);

        storage.putManifest(REPO, manifest, List.of("v1"), Optional.empty());

        assertEquals(Optional.of(manifest.digest()), storage.resolveTag(REPO, "v1"));
        assertArrayEquals(MANIFEST, storage.manifest(REPO, manifest.digest()).orElseThrow().content());
    }

    @Test
    void aCommitThatFailedWithNothingWrittenStillFails() {
        DriverRegistryStorage storage = new DriverRegistryStorage(overtaking(new InMemoryDriver(), false));
        StoredManifest manifest = new StoredManifest(Digest.sha256(MANIFEST),
                "application/vnd.oci.image.manifest.v1+json", MANIFEST);

        IOException e = assertThrows(IOException.class,
                () -> storage.putManifest(REPO, manifest, List.of("v1"), Optional.empty()));
        assertEquals("400 InvalidBlockList", e.getMessage());
    }

    /**
     * {@code store}, except that committing a blob's {@code data} fails as Azure's does when another writer committed
     * first; with {@code otherWriterWins} that other writer's identical bytes are committed just before.
     */
    private static StorageDriver overtaking(InMemoryDriver store, boolean otherWriterWins) {
        return (StorageDriver) Proxy.newProxyInstance(StorageDriver.class.getClassLoader(),
                new Class<?>[] {StorageDriver.class}, (proxy, method, args) -> {
                    if (method.getName().equals("writer") && ((String) args[0]).endsWith("/data")) {
                        return new OvertakenWriter(store, (String) args[0], otherWriterWins);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static final class OvertakenWriter implements FileWriter {
        private final InMemoryDriver store;
        private final String path;
        private final boolean otherWriterWins;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        OvertakenWriter(InMemoryDriver store, String path, boolean otherWriterWins) {
            this.store = store;
            this.path = path;
            this.otherWriterWins = otherWriterWins;
        }

        @Override
        public void write(byte[] buffer, int offset, int length) {
            bytes.write(buffer, offset, length);
        }

        @Override
        public long size() {
            return bytes.size();
        }

        @Override
        public void commit() throws IOException {
            if (otherWriterWins) {
                try (FileWriter other = store.writer(path, false)) {
                    other.write(bytes.toByteArray(), 0, bytes.size());
                    other.commit();
                }
            }
            throw new IOException("400 InvalidBlockList");
        }

        @Override
        public void cancel() {
        }

        @Override
        public void close() {
        }
    }
}
