package dev.portcullis.registry.authserver;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@code maxFailures} failed logins within {@code window}, for one account or from
 * one address, further attempts are refused for {@code lockout} without checking the password (so they also cost
 * no bcrypt CPU). A success clears the account's count but not the address's, or one valid account would let an
 * attacker reset the counter between guesses at others.
 */
final class LoginThrottle {
    /** Bounds memory when many addresses fail (IPv6 makes that cheap for an attacker). */
    static final int MAX_ENTRIES = 50_000;

    private final int maxFailures;
    private final Duration window;
    private final Duration lockout;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        int failures;
        Instant windowStart;
        volatile Instant lockedUntil = Instant.MIN;
    }

    LoginThrottle(int maxFailures, Duration window, Duration lockout, Clock clock) {
        this.maxFailures = maxFailures;
        this.window = window;
        this.lockout = lockout;
        this.clock = clock;
    }

    /** How long the caller must wait, or {@link Duration#ZERO} when it may try now. */
    Duration retryAfter(String account, String address) {
        if (maxFailures <= 0) {
            return Duration.ZERO;
        }
        Instant now = clock.instant();
        Duration a = remaining(entries.get("a:" + account), now);
        Duration b = remaining(entries.get("i:" + address), now);
        return a.compareTo(b) >= 0 ? a : b;
    }

    void recordFailure(String account, String address) {
        if (maxFailures <= 0) {
            return;
        }
        Instant now = clock.instant();
        if (entries.size() >= MAX_ENTRIES) {
            prune(now);
        }
        fail("a:" + account, now);
        fail("i:" + address, now);
    }

    void recordSuccess(String account) {
        entries.remove("a:" + account);
    }

    private void fail(String key, Instant now) {
        entries.compute(key, (k, e) -> {
            if (e == null) {
                e = new Entry();
                e.windowStart = now;
            }
            if (now.isAfter(e.windowStart.plus(window))) {
                e.failures = 0;
                e.windowStart = now;
            }
            if (++e.failures >= maxFailures) {
                e.lockedUntil = now.plus(lockout);
                e.failures = 0;
                e.windowStart = now;
            }
            return e;
        });
    }

    private static Duration remaining(Entry e, Instant now) {
        if (e == null) {
            return Duration.ZERO;
        }
        Instant until = e.lockedUntil;
        return until.isAfter(now) ? Duration.between(now, until) : Duration.ZERO;
    }

    private void prune(Instant now) {
        entries.entrySet().removeIf(en -> en.getValue().lockedUntil.isBefore(now) && now.isAfter(en.getValue().windowStart.plus(window)));
        if (entries.size() >= MAX_ENTRIES) {
            // Still full: forget everything rather than grow without bound. Guessing stays bcrypt-bound.
            entries.clear();
        }
    }
}
