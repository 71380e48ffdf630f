package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The two budgets of the registry's login throttle, and attempts counted before their check. */
class LoginThrottleTest {
    private final LoginThrottle throttle = new LoginThrottle(5, 12, Duration.ofSeconds(30), Duration.ofMinutes(5));

    private void fail(String user, String address) {
        assertEquals(0, throttle.acquire(user, address), user + " from " + address + " may still try");
        throttle.finished(user, address, false);
    }

    @Test
    void attemptsInFlightCountBeforeTheirCheckEnds() {
        for (int i = 0; i < 5; i++) {
            assertEquals(0, throttle.acquire("alice", "10.0.0.1"));
        }
        assertTrue(throttle.acquire("alice", "10.0.0.1") > 0, "a sixth concurrent attempt must wait for the five");
        assertEquals(0, throttle.acquire("alice", "10.0.0.2"), "another address has its own budget");
    }

    @Test
    void thePerUserCeilingHoldsAcrossAddresses() {
        for (int i = 0; i < 5; i++) {
            fail("alice", "10.0.0.1");
            fail("alice", "10.0.0.2");
        }
        fail("alice", "10.0.0.3");
        fail("alice", "10.0.0.3");
        long wait = throttle.acquire("alice", "10.0.0.4");
        assertTrue(wait >= 1 && wait <= 30, "the 13th failure across addresses locks the user: " + wait);
        assertEquals(0, throttle.acquire("bob", "10.0.0.1"), "other users are not affected");
    }

    @Test
    void aSuccessClearsBothBudgets() {
        for (int i = 0; i < 4; i++) {
            fail("alice", "10.0.0.1");
        }
        assertEquals(0, throttle.acquire("alice", "10.0.0.1"));
        throttle.finished("alice", "10.0.0.1", true);
        for (int i = 0; i < 4; i++) {
            fail("alice", "10.0.0.1");
        }
    }

    @Test
    void theLockoutDoublesWithEachFurtherFailure() throws Exception {
        LoginThrottle fast = new LoginThrottle(1, 100, Duration.ofMillis(200), Duration.ofMinutes(5));
        assertEquals(0, fast.acquire("alice", "a"));
        fast.finished("alice", "a", false);
        assertTrue(fast.acquire("alice", "a") > 0);
        Thread.sleep(250);
        assertEquals(0, fast.acquire("alice", "a"), "the first lockout (200 ms) is over");
        fast.finished("alice", "a", false);
        Thread.sleep(250);
        assertTrue(fast.acquire("alice", "a") > 0, "the second lockout lasts 400 ms");
    }
}
