package dev.portcullis.registry.notify;

import dev.portcullis.registry.storage.driver.StorageDriver;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An outbox in a folder of any storage driver, through the driver's small interface alone: what serves the drivers
 * that have no outbox written for them (Azure, in-memory). {@code putContent} replaces in one step and is durable once
 * the driver returns, which is what an entry needs before its request is acknowledged.
 */
final class DriverOutboxStore implements OutboxStore {
    private final StorageDriver driver;
    private final String folder;

    /** {@code folder}: the driver path holding this endpoint's entries, without a trailing slash. */
    DriverOutboxStore(StorageDriver driver, String folder) {
        this.driver = driver;
        this.folder = folder;
    }

    @Override
    public void put(String name, byte[] content) throws IOException {
        driver.putContent(folder + "/" + name, content);
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        for (String path : driver.list(folder)) {
            names.add(path.substring(path.lastIndexOf('/') + 1));
        }
        names.sort(null);
        return names;
    }

    @Override
    public Optional<byte[]> get(String name) throws IOException {
        try {
            return Optional.of(driver.getContent(folder + "/" + name));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String name) throws IOException {
        driver.delete(folder + "/" + name);
    }
}
