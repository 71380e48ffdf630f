package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoginThrottleTest {
    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void locksAnAccountAfterTooManyFailuresThenLetsItTryAgain() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(3, Duration.ofMinutes(1), Duration.ofSeconds(30), clock);
        for (int i = 0; i < 3; i++) {
            assertEquals(Duration.ZERO, t.retryAfter("alice", "10.0.0." + i));
            t.recordFailure("alice", "10.0.0." + i);
        }
        assertEquals(Duration.ofSeconds(30), t.retryAfter("alice", "10.0.0.9"), "account locked whatever the address");
        assertEquals(Duration.ZERO, t.retryAfter("bob", "10.0.0.9"));
        clock.now = clock.now.plusSeconds(31);
        assertEquals(Duration.ZERO, t.retryAfter("alice", "10.0.0.9"));
    }

    @Test
    void locksAnAddressGuessingManyAccountsAndSuccessDoesNotUnlockIt() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(3, Duration.ofMinutes(1), Duration.ofSeconds(30), clock);
        t.recordFailure("a", "192.0.2.1");
        t.recordFailure("b", "192.0.2.1");
        t.recordSuccess("mine");
        t.recordFailure("c", "192.0.2.1");
        assertTrue(t.retryAfter("d", "192.0.2.1").toSeconds() > 0);
        assertEquals(Duration.ZERO, t.retryAfter("d", "192.0.2.2"));
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(2, Duration.ofSeconds(10), Duration.ofSeconds(30), clock);
        t.recordFailure("alice", "x");
        clock.now = clock.now.plusSeconds(11);
        t.recordFailure("alice", "y");
        assertEquals(Duration.ZERO, t.retryAfter("alice", "z"));
    }

    @Test
    void zeroDisables() {
        LoginThrottle t = new LoginThrottle(0, Duration.ofSeconds(10), Duration.ofSeconds(30), Clock.systemUTC());
        for (int i = 0; i < 10; i++) {
            t.recordFailure("alice", "x");
        }
        assertEquals(Duration.ZERO, t.retryAfter("alice", "x"));
    }
}
