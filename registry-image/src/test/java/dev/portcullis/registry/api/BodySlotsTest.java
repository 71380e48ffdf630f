package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import io.vertx.core.Future;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Turns for reading request bodies: per client, in total, waiting without a thread, and a bound on the waiting. */
class BodySlotsTest {
    private final BodySlots slots = new BodySlots(new BodyLimits(Duration.ofSeconds(30), 0, 2, 3));

    @Test
    void aClientOverItsShareWaitsAndOthersGoFirst() {
        BodySlots.Slot a1 = slots.acquire("a").result();
        slots.acquire("a").result();
        Future<BodySlots.Slot> a3 = slots.acquire("a");
        assertFalse(a3.isComplete(), "a's share is 2");
        assertTrue(slots.acquire("b").succeeded(), "b has a share of its own");
        Future<BodySlots.Slot> c1 = slots.acquire("c");
        assertFalse(c1.isComplete(), "3 in all");
        a1.release();
        assertTrue(a3.succeeded(), "the oldest waiter that fits gets the freed turn");
        assertFalse(c1.isComplete());
        a1.release();
        assertEquals(3, slots.inUse(), "a turn is given back once");
    }

    @Test
    void tooManyWaitingFromOneClientGet429() {
        slots.acquire("a");
        slots.acquire("a");
        for (int i = 0; i < 2 * BodyLimits.WAITING_PER_CLIENT_FACTOR; i++) {
            assertFalse(slots.acquire("a").isComplete());
        }
        Future<BodySlots.Slot> refused = slots.acquire("a");
        assertTrue(refused.failed());
        assertEquals(ErrorCode.TOOMANYREQUESTS, ((RegistryException) refused.cause()).code());
    }

    @Test
    void aWaiterThatLeavesGivesUpItsPlace() {
        BodySlots.Slot a1 = slots.acquire("a").result();
        slots.acquire("a");
        Future<BodySlots.Slot> gone = slots.acquire("a");
        slots.cancel(gone);
        assertEquals(0, slots.waiting());
        a1.release();
        assertEquals(1, slots.inUse());
    }
}
