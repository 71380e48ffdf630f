package dev.portcullis.registry.authserver;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing with two budgets: {@code pairFailures} failed logins within {@code window} for one account
 * from one address, and {@code accountFailures} (larger) for one account from all addresses together. When either is
 * spent, further attempts are refused for {@code lockout} without checking the password (so they cost no bcrypt, no
 * directory query and no TokenReview). There is no budget per address alone: a few failures behind a shared NAT (a CI
 * egress) would lock out everyone there.
 *
 * <p>An attempt is counted when it is {@linkplain #acquire taken}, before the password is checked, and while the last
 * attempt a budget allows is being checked the next ones are refused: concurrent guesses cannot all pass before the
 * first failure is recorded. A success clears both budgets of the account; an attempt neither right nor wrong (the
 * identity provider was unavailable) is {@linkplain #abandoned given back}.
 *
 * <p>{@link #perAddressOnly()} is the same throttle without the account-wide budget, for signed tokens: they cannot be
 * guessed, so that budget would protect nothing and only let anyone lock an identity out by sending bad tokens naming
 * it.
 */
final class LoginThrottle {
    /** Bounds memory when many addresses fail (IPv6 makes that cheap for an attacker). */
    static final int MAX_ENTRIES = 50_000;

    private final int pairFailures;
    private final int accountFailures;
    private final Duration window;
    private final Duration lockout;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private static final class Entry {
        int failures;
        int checking;
        Instant windowStart;
        Instant lockedUntil = Instant.MIN;
    }

    /** {@code accountFailures} 0: no account-wide budget. */
    LoginThrottle(int pairFailures, int accountFailures, Duration window, Duration lockout, Clock clock) {
        this.pairFailures = pairFailures;
        this.accountFailures = accountFailures;
        this.window = window;
        this.lockout = lockout;
        this.clock = clock;
    }

    /** A new throttle (its own entries) with this one's per-(account, address) budget and none per account. */
    LoginThrottle perAddressOnly() {
        return new LoginThrottle(pairFailures, 0, window, lockout, clock);
    }

    /**
     * Takes an attempt: {@link Duration#ZERO} when the password may be checked now (then {@link #succeeded},
     * {@link #failed} or {@link #abandoned} must follow), else how long the caller must wait, and nothing is counted.
     */
    synchronized Duration acquire(String account, String address) {
        if (pairFailures <= 0) {
            return Duration.ZERO;
        }
        Instant now = clock.instant();
        if (entries.size() >= MAX_ENTRIES) {
            prune(now);
        }
        Duration a = wait(entries.get(pairKey(account, address)), pairFailures, now);
        Duration b = accountWide() ? wait(entries.get(accountKey(account)), accountFailures, now) : Duration.ZERO;
        Duration wait = a.compareTo(b) >= 0 ? a : b;
        if (!wait.isZero()) {
            return wait;
        }
        take(pairKey(account, address), now);
        if (accountWide()) {
            take(accountKey(account), now);
        }
        return Duration.ZERO;
    }

    /** The password was right: the account starts over, from every address. */
    synchronized void succeeded(String account, String address) {
        entries.remove(pairKey(account, address));
        entries.remove(accountKey(account));
    }

    synchronized void failed(String account, String address) {
        if (pairFailures <= 0) {
            return;
        }
        Instant now = clock.instant();
        fail(pairKey(account, address), pairFailures, now);
        if (accountWide()) {
            fail(accountKey(account), accountFailures, now);
        }
    }

    /** The attempt proved nothing about the account's password: it is given back, uncounted. */
    synchronized void abandoned(String account, String address) {
        for (String key : new String[] {pairKey(account, address), accountKey(account)}) {
            Entry e = entries.get(key);
            if (e != null) {
                e.checking = Math.max(0, e.checking - 1);
                e.failures = Math.max(0, e.failures - 1);
            }
        }
    }

    private boolean accountWide() {
        return accountFailures > 0;
    }

    private Duration wait(Entry e, int budget, Instant now) {
        if (e == null) {
            return Duration.ZERO;
        }
        if (e.lockedUntil.isAfter(now)) {
            return Duration.between(now, e.lockedUntil);
        }
        if (e.checking > 0 && e.failures >= budget && !now.isAfter(e.windowStart.plus(window))) {
            // The budget's last attempt is being checked: its outcome decides, not a race. Its lockout is what waits.
            return lockout;
        }
        return Duration.ZERO;
    }

    private void take(String key, Instant now) {
        Entry e = entries.computeIfAbsent(key, k -> new Entry());
        if (e.windowStart == null || now.isAfter(e.windowStart.plus(window))) {
            e.failures = 0;
            e.windowStart = now;
        }
        e.failures++;
        e.checking++;
    }

    private void fail(String key, int budget, Instant now) {
        Entry e = entries.get(key);
        if (e == null) {
            return;
        }
        e.checking = Math.max(0, e.checking - 1);
        if (e.failures >= budget) {
            e.lockedUntil = now.plus(lockout);
            e.failures = 0;
            e.windowStart = now;
        }
    }

    private static String pairKey(String account, String address) {
        return "p:" + account + "\n" + address;
    }

    private static String accountKey(String account) {
        return "a:" + account;
    }

    private void prune(Instant now) {
        entries.entrySet().removeIf(en -> en.getValue().checking == 0 && en.getValue().lockedUntil.isBefore(now)
                && now.isAfter(en.getValue().windowStart.plus(window)));
        if (entries.size() >= MAX_ENTRIES) {
            // Still full: forget everything rather than grow without bound. Guessing stays bcrypt-bound.
            entries.clear();
        }
    }
}
