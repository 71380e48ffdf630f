package dev.portcullis.registry.gc;

import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The storage's {@code gc} lock as one collection holds it: renewed as the run goes, and the run stops before its next
 * deletion if it was lost. A dry run holds none.
 */
final class CollectorLock {
    static final String NAME = "gc";
    static final Duration TTL = Duration.ofMinutes(5);

    private final StorageLock lock;
    private final Clock clock;
    private Instant renewedAt;

    CollectorLock(StorageLock lock, Clock clock) {
        this.lock = lock;
        this.clock = clock;
        this.renewedAt = clock.instant();
    }

    static CollectorLock none(Clock clock) {
        return new CollectorLock(null, clock);
    }

    /** Renews the lock when a third of its TTL has passed; throws if it was lost. */
    void keep() throws IOException {
        if (lock == null) {
            return;
        }
        Instant now = clock.instant();
        if (Duration.between(renewedAt, now).compareTo(TTL.dividedBy(3)) < 0) {
            return;
        }
        if (!lock.renew()) {
            throw new IOException("lost the garbage collection lock; stopping this run before it deletes anything more");
        }
        renewedAt = now;
    }
}
