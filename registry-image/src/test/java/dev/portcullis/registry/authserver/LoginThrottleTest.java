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

    private static void fail(LoginThrottle t, String account, String address) {
        assertEquals(Duration.ZERO, t.acquire(account, address), account + " from " + address + " may still try");
        t.failed(account, address);
    }

    @Test
    void locksAPairAfterItsFailuresThenLetsItTryAgain() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(3, 30, Duration.ofMinutes(1), Duration.ofSeconds(30), clock);
        for (int i = 0; i < 3; i++) {
            fail(t, "alice", "10.0.0.1");
        }
        assertEquals(Duration.ofSeconds(30), t.acquire("alice", "10.0.0.1"));
        assertEquals(Duration.ZERO, t.acquire("alice", "10.0.0.2"), "alice from elsewhere is not locked out");
        t.succeeded("alice", "10.0.0.2");
        assertEquals(Duration.ZERO, t.acquire("bob", "10.0.0.1"), "nor is bob behind the same address (a NAT)");
        t.succeeded("bob", "10.0.0.1");
        clock.now = clock.now.plusSeconds(31);
        assertEquals(Duration.ZERO, t.acquire("alice", "10.0.0.1"));
    }

    @Test
    void locksAnAccountGuessedFromManyAddresses() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(3, 6, Duration.ofMinutes(1), Duration.ofSeconds(30), clock);
        for (int i = 0; i < 6; i++) {
            fail(t, "alice", "10.0.0." + i);
        }
        assertEquals(Duration.ofSeconds(30), t.acquire("alice", "10.0.0.99"), "the account's own, higher ceiling");
        assertEquals(Duration.ZERO, t.acquire("bob", "10.0.0.99"));
    }

    @Test
    void perAddressOnlyNeverLocksTheAccountButStillLocksOneAddress() {
        MutableClock clock = new MutableClock();
        LoginThrottle passwords = new LoginThrottle(3, 6, Duration.ofMinutes(1), Duration.ofSeconds(30), clock);
        LoginThrottle tokens = passwords.perAddressOnly();
        for (int i = 0; i < 60; i++) {
            fail(tokens, "ci", "10.0." + i + ".1");
        }
        assertEquals(Duration.ZERO, tokens.acquire("ci", "10.0.99.1"), "no account-wide lock");
        tokens.succeeded("ci", "10.0.99.1");
        assertEquals(Duration.ZERO, passwords.acquire("ci", "10.0.0.1"), "its own entries: the password budgets are untouched");
        passwords.abandoned("ci", "10.0.0.1");
        for (int i = 0; i < 3; i++) {
            fail(tokens, "ci", "10.0.200.1");
        }
        assertEquals(Duration.ofSeconds(30), tokens.acquire("ci", "10.0.200.1"), "the pair budget still holds");
    }

    @Test
    void concurrentAttemptsAreCountedBeforeTheirCheck() {
        LoginThrottle t = new LoginThrottle(3, 30, Duration.ofMinutes(1), Duration.ofSeconds(30), Clock.systemUTC());
        for (int i = 0; i < 3; i++) {
            assertEquals(Duration.ZERO, t.acquire("alice", "x"));
        }
        assertTrue(t.acquire("alice", "x").toSeconds() > 0, "a fourth attempt waits while three are being checked");
        t.abandoned("alice", "x");
        assertEquals(Duration.ZERO, t.acquire("alice", "x"), "an attempt given back frees its place");
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(2, 20, Duration.ofSeconds(10), Duration.ofSeconds(30), clock);
        fail(t, "alice", "x");
        clock.now = clock.now.plusSeconds(11);
        fail(t, "alice", "x");
        assertEquals(Duration.ZERO, t.acquire("alice", "x"));
    }

    @Test
    void zeroDisables() {
        LoginThrottle t = new LoginThrottle(0, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), Clock.systemUTC());
        for (int i = 0; i < 10; i++) {
            fail(t, "alice", "x");
        }
        assertEquals(Duration.ZERO, t.acquire("alice", "x"));
    }
}
