package dev.portcullis.registry.notify;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One endpoint's queue of undelivered entries, each the events of one request. Entry names are
 * {@code MILLIS-INSTANCE-SEQUENCE}, so listing gives write order (per replica exactly; across replicas by clock), and
 * an entry's age can be read from its name. Bounded by the endpoint's {@code backlog}: past it, new events are dropped,
 * counted and logged, and what is queued is kept.
 */
final class Outbox {
    private static final Logger LOG = Logger.getLogger(Outbox.class.getName());
    private static final long DROP_LOG_INTERVAL_MILLIS = 60_000;

    private final String endpoint;
    private final OutboxStore store;
    private final String instance;
    private final int backlog;
    private final EndpointMeters meters;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong();
    private final AtomicLong droppedSinceLog = new AtomicLong();

    Outbox(String endpoint, OutboxStore store, String instance, int backlog, EndpointMeters meters) {
        this.endpoint = endpoint;
        this.store = store;
        this.instance = instance;
        this.backlog = backlog;
        this.meters = meters;
    }

    /** Queues one request's events; false when the backlog is full and they were dropped. */
    boolean append(byte[] envelope, int events) throws IOException {
        if (meters.pending.get() >= backlog) {
            dropped(events);
            return false;
        }
        String name = String.format("%013d-%s-%010d", System.currentTimeMillis(), instance, sequence.incrementAndGet());
        store.put(name, envelope);
        meters.pending.incrementAndGet();
        return true;
    }

    private void dropped(int events) {
        meters.dropped(events);
        long count = droppedSinceLog.addAndGet(events);
        long now = System.currentTimeMillis();
        long last = lastDropLog.get();
        if (now - last >= DROP_LOG_INTERVAL_MILLIS && lastDropLog.compareAndSet(last, now)) {
            droppedSinceLog.addAndGet(-count);
            LOG.warning("notifications: endpoint " + endpoint + " has " + backlog + " entries waiting (its backlog);"
                    + " dropped " + count + " new events since the last warning; see registry_notifications_dropped");
        }
    }

    List<String> list() throws IOException {
        List<String> names = store.list();
        meters.pending.set(names.size());
        return names;
    }

    Optional<byte[]> read(String name) throws IOException {
        return store.get(name);
    }

    void remove(String name) throws IOException {
        store.delete(name);
        meters.pending.updateAndGet(n -> Math.max(0, n - 1));
    }

    /** How long ago the entry was written, from its name. */
    static Duration age(String name) {
        try {
            return Duration.between(Instant.ofEpochMilli(Long.parseLong(name.substring(0, name.indexOf('-')))), Instant.now());
        } catch (RuntimeException e) {
            return Duration.ZERO;
        }
    }
}
