package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The {@link GcFence fences} a collection holds over a batch of digests, each with when it was taken; released on
 * close. Fences are not renewed: a deletion is skipped when its fence has less than the margin left.
 */
final class GcFences implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GcFences.class.getName());
    static final Duration TTL = Duration.ofMinutes(10);
    static final Duration MARGIN = Duration.ofMinutes(3);
    /** How many digests one batch fences, re-checks and deletes. */
    static final int BATCH = 1000;

    private final RegistryStorage storage;
    private final Clock clock;
    private final Map<Digest, StorageLock> locks = new LinkedHashMap<>();
    private final Map<Digest, Instant> taken = new HashMap<>();

    GcFences(RegistryStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    /** False when a push is probing the digest right now: keep it this time. */
    boolean take(Digest d) throws IOException {
        Instant at = clock.instant();
        Optional<StorageLock> l = storage.tryLock(GcFence.lockName(d), TTL);
        if (l.isEmpty()) {
            return false;
        }
        locks.put(d, l.get());
        taken.put(d, at);
        return true;
    }

    List<Digest> held() {
        return new ArrayList<>(locks.keySet());
    }

    boolean stillValid(Digest d) {
        Instant at = taken.get(d);
        return at != null && clock.instant().isBefore(at.plus(TTL).minus(MARGIN));
    }

    @Override
    public void close() {
        for (StorageLock l : locks.values()) {
            try {
                l.close();
            } catch (IOException e) {
                LOG.warning("could not release a garbage collection fence (it expires by itself): " + e.getMessage());
            }
        }
    }
}
