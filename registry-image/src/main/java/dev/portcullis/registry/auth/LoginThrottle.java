package dev.portcullis.registry.auth;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing with two budgets: one per (user, client address) pair, small, so a guesser is stopped
 * quickly without locking out the user's other clients; and one per user across all addresses, larger, so guessing
 * from many addresses is bounded too. No budget is kept per address alone: that would let a few failures behind a
 * shared NAT (a CI egress) lock out everyone there.
 *
 * <p>An attempt is taken from both budgets <em>before</em> the password is checked, and while the last attempt a
 * budget allows is being checked, the next ones are refused: concurrent guesses see each other, so 100 parallel wrong
 * passwords from one address get at most {@code pairAttempts} checks. Once a budget is spent, each failure locks the key
 * for a lockout that doubles with each further failure, up to {@code maxLockout}; a success clears both budgets, and a
 * key unused for {@link #FORGET_AFTER_NANOS} is forgotten. Bounded in memory: the least recently used keys go first.
 */
public final class LoginThrottle {
    private static final int MAX_KEYS = 100_000;
    static final long FORGET_AFTER_NANOS = Duration.ofMinutes(15).toNanos();

    private final int pairAttempts;
    private final int userAttempts;
    private final long baseLockoutNanos;
    private final long maxLockoutNanos;
    private final Map<String, State> states = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
            return size() > MAX_KEYS;
        }
    };

    private static final class State {
        int attempts;
        int checking;
        long lastAttempt;
        long lockedUntil;
        boolean locked;
    }

    /**
     * @param pairAttempts password checks one client address gets for one user before the lockout
     * @param userAttempts password checks a user gets from all addresses together before the lockout
     */
    public LoginThrottle(int pairAttempts, int userAttempts, Duration baseLockout, Duration maxLockout) {
        this.pairAttempts = pairAttempts;
        this.userAttempts = userAttempts;
        this.baseLockoutNanos = baseLockout.toNanos();
        this.maxLockoutNanos = maxLockout.toNanos();
    }

    /**
     * Takes an attempt for {@code user} from {@code address}: 0 when the password may be checked now (then
     * {@link #finished} must follow), else the seconds to wait, and nothing is counted.
     */
    public synchronized long acquire(String user, String address) {
        long now = System.nanoTime();
        String pair = pairKey(user, address);
        String userKey = userKey(user);
        long wait = Math.max(waitNanos(pair, pairAttempts, now), waitNanos(userKey, userAttempts, now));
        if (wait > 0) {
            return Math.max(1, Duration.ofNanos(wait).toSeconds());
        }
        take(pair, now);
        take(userKey, now);
        return 0;
    }

    /** The check of an acquired attempt is done: a success clears both budgets, a failure may start a lockout. */
    public synchronized void finished(String user, String address, boolean success) {
        String pair = pairKey(user, address);
        String userKey = userKey(user);
        if (success) {
            states.remove(pair);
            states.remove(userKey);
            return;
        }
        long now = System.nanoTime();
        fail(pair, pairAttempts, now);
        fail(userKey, userAttempts, now);
    }

    private long waitNanos(String key, int budget, long now) {
        State s = states.get(key);
        if (s == null) {
            return 0;
        }
        if (s.checking > 0 && s.attempts >= budget) {
            // The budget's last attempt is still being checked: its outcome decides, not a race.
            return Math.max(baseLockoutNanos, s.locked ? s.lockedUntil - now : 0);
        }
        if (s.checking == 0 && now - s.lastAttempt > FORGET_AFTER_NANOS && (!s.locked || now - s.lockedUntil > 0)) {
            states.remove(key);
            return 0;
        }
        return s.locked ? Math.max(0, s.lockedUntil - now) : 0;
    }

    private void take(String key, long now) {
        State s = states.computeIfAbsent(key, k -> new State());
        s.attempts++;
        s.checking++;
        s.lastAttempt = now;
    }

    private void fail(String key, int budget, long now) {
        State s = states.get(key);
        if (s == null) {
            return;
        }
        s.checking = Math.max(0, s.checking - 1);
        if (s.attempts >= budget) {
            int doublings = Math.min(s.attempts - budget, 20);
            s.locked = true;
            s.lockedUntil = now + Math.min(maxLockoutNanos, baseLockoutNanos << doublings);
        }
    }

    private static String pairKey(String user, String address) {
        return "p:" + user + "\n" + address;
    }

    private static String userKey(String user) {
        return "u:" + user;
    }
}
