package dev.portcullis.registry.auth;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing: after {@code freeFailures} failed logins for one key (a user name or a client address),
 * further attempts are refused for a lockout that doubles with each failure, up to {@code maxLockout}. A success resets
 * the key. Bounded in memory: the oldest keys are forgotten first.
 */
public final class LoginThrottle {
    private static final int MAX_KEYS = 100_000;

    private final int freeFailures;
    private final long baseLockoutNanos;
    private final long maxLockoutNanos;
    private final Map<String, State> states = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
            return size() > MAX_KEYS;
        }
    };

    private static final class State {
        int failures;
        boolean locked;
        long lockedUntil;
    }

    public LoginThrottle(int freeFailures, Duration baseLockout, Duration maxLockout) {
        this.freeFailures = freeFailures;
        this.baseLockoutNanos = baseLockout.toNanos();
        this.maxLockoutNanos = maxLockout.toNanos();
    }

    /** Seconds until {@code key} may try again, or 0. */
    public synchronized long retryAfterSeconds(String key) {
        State s = states.get(key);
        if (s == null || !s.locked) {
            return 0;
        }
        long left = s.lockedUntil - System.nanoTime();
        return left > 0 ? Math.max(1, Duration.ofNanos(left).toSeconds()) : 0;
    }

    public synchronized void failure(String key) {
        State s = states.computeIfAbsent(key, k -> new State());
        s.failures++;
        if (s.failures > freeFailures) {
            int doublings = Math.min(s.failures - freeFailures - 1, 20);
            long lockout = Math.min(maxLockoutNanos, baseLockoutNanos << doublings);
            s.locked = true;
            s.lockedUntil = System.nanoTime() + lockout;
        }
    }

    public synchronized void success(String key) {
        states.remove(key);
    }
}
