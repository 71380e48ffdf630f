package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.InMemoryDriver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A driver with no outbox of its own (the in-memory one here; Azure the same way) holds an endpoint's outbox through
 * the driver interface: entries listed in name order, read back as written, gone once deleted.
 */
class DriverOutboxStoreTest {

    @Test
    void aDriverWithoutAnOutboxOfItsOwnHoldsOneThroughTheDriverInterface() throws Exception {
        InMemoryDriver driver = new InMemoryDriver();
        OutboxStore store = Notifications.store(new DriverRegistryStorage(driver), "hook-1");
        assertTrue(store instanceof DriverOutboxStore, store.getClass().getName());

        byte[] second = "{\"events\":[2]}".getBytes(StandardCharsets.UTF_8);
        byte[] first = "{\"events\":[1]}".getBytes(StandardCharsets.UTF_8);
        store.put("0000000000002-a-0000000002", second);
        store.put("0000000000001-a-0000000001-3", first);
        assertEquals(List.of("0000000000001-a-0000000001-3", "0000000000002-a-0000000002"), store.list());
        assertArrayEquals(first, store.get("0000000000001-a-0000000001-3").orElseThrow());
        assertTrue(driver.list("/docker/registry/v2/_notifications/hook-1").size() == 2,
                "under the registry's own _notifications folder");

        store.delete("0000000000001-a-0000000001-3");
        assertEquals(List.of("0000000000002-a-0000000002"), store.list());
        assertTrue(store.get("0000000000001-a-0000000001-3").isEmpty(), "a deleted entry reads as gone");
        assertTrue(Notifications.store(new DriverRegistryStorage(driver), "hook-2").list().isEmpty(),
                "each endpoint its own folder");
    }
}
