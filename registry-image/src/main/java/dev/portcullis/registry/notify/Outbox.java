package dev.portcullis.registry.notify;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Logger;

/**
 * One endpoint's queue of undelivered events. Requests that append at the same time share one stored entry (a
 * {@link GroupCommit}): one envelope with their events in the order they arrived, named
 * {@code MILLIS-INSTANCE-SEQUENCE}, and {@code -N} after it when it holds N > 1 requests' events. Listing gives write
 * order (per replica exactly; across replicas by clock), and an entry's age can be read from its name. An entry of one
 * request is what versions before group commit wrote, and a grouped one is a valid envelope to them too.
 *
 * <p>What this process wrote is also kept in memory (up to {@link #MEMORY_BUDGET_BYTES}), so that its dispatcher
 * delivers it without reading it back; the storage stays the source of truth for what is listed, after a restart,
 * and for the entries of other replicas.
 *
 * <p>Bounded by the endpoint's {@code backlog}, counted in requests: past it, new events are dropped, counted and
 * logged, and what is queued is kept.
 */
final class Outbox {
    private static final Logger LOG = Logger.getLogger(Outbox.class.getName());
    private static final long DROP_LOG_INTERVAL_MILLIS = 60_000;
    /** At most this many requests share one entry, so that a delivery of one entry stays small. */
    static final int MAX_GROUP = 100;
    /** The envelopes kept in memory for the dispatcher; past this, it reads them back from the storage. */
    static final long MEMORY_BUDGET_BYTES = 1024 * 1024;

    private final String endpoint;
    private final OutboxStore store;
    private final String instance;
    private final int backlog;
    private final EndpointMeters meters;
    private final GroupCommit<EventEnvelope> commits = new GroupCommit<>(this::write, MAX_GROUP);
    private final Map<String, EventEnvelope> writtenHere = new ConcurrentHashMap<>();
    private final AtomicLong writtenHereBytes = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong();
    private final AtomicLong droppedSinceLog = new AtomicLong();
    /**
     * Appends hold it shared from counting themselves pending until their entry is stored; a listing holds it
     * exclusively while it recounts what is pending, so that it never erases an append that is counted but not yet
     * stored (which would let the backlog overflow).
     */
    private final ReadWriteLock counting = new ReentrantReadWriteLock();

    Outbox(String endpoint, OutboxStore store, String instance, int backlog, EndpointMeters meters) {
        this.endpoint = endpoint;
        this.store = store;
        this.instance = instance;
        this.backlog = backlog;
        this.meters = meters;
    }

    /** Queues one request's events and returns once they are durable; false when the backlog is full and they were dropped. */
    boolean append(EventEnvelope events) throws IOException {
        counting.readLock().lock();
        try {
            // Counted before the write, atomically with the check: concurrent appends cannot both take the last place.
            if (meters.pending.getAndUpdate(n -> n >= backlog ? n : n + 1) >= backlog) {
                dropped(events.events());
                return false;
            }
            try {
                commits.commit(events);
            } catch (IOException e) {
                meters.pending.decrementAndGet();
                throw e;
            }
            return true;
        } finally {
            counting.readLock().unlock();
        }
    }

    /** One stored entry for a group of requests (called by one thread at a time). */
    private void write(List<EventEnvelope> group) throws IOException {
        String name = String.format("%013d-%s-%010d", System.currentTimeMillis(), instance, sequence.incrementAndGet())
                + (group.size() > 1 ? "-" + group.size() : "");
        EventEnvelope entry = EventEnvelope.join(group);
        store.put(name, entry.json());
        if (writtenHereBytes.get() + entry.json().length <= MEMORY_BUDGET_BYTES) {
            writtenHereBytes.addAndGet(entry.json().length);
            writtenHere.put(name, entry);
        }
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

    /** The stored entries' names, oldest first. */
    List<String> list() throws IOException {
        counting.writeLock().lock();
        try {
            Set<String> keptBefore = new HashSet<>(writtenHere.keySet());
            List<String> names = store.list();
            int requests = 0;
            for (String name : names) {
                requests += requests(name);
                keptBefore.remove(name);
            }
            // Stored before the listing began and not listed: delivered and deleted by another replica.
            keptBefore.forEach(this::forget);
            meters.pending.set(requests);
            return names;
        } finally {
            counting.writeLock().unlock();
        }
    }

    /** An entry this process wrote, from memory: no read and no parse. */
    Optional<EventEnvelope> writtenHere(String name) {
        return Optional.ofNullable(writtenHere.get(name));
    }

    /** An entry's stored bytes; empty when it is gone (delivered and deleted by another replica meanwhile). */
    Optional<byte[]> read(String name) throws IOException {
        return store.get(name);
    }

    void remove(String name) throws IOException {
        store.delete(name);
        forget(name);
        int requests = requests(name);
        meters.pending.updateAndGet(n -> Math.max(0, n - requests));
    }

    private void forget(String name) {
        EventEnvelope gone = writtenHere.remove(name);
        if (gone != null) {
            writtenHereBytes.addAndGet(-gone.json().length);
        }
    }

    /** How long ago the entry was written, from its name. */
    static Duration age(String name) {
        try {
            return Duration.between(Instant.ofEpochMilli(Long.parseLong(name.substring(0, name.indexOf('-')))), Instant.now());
        } catch (RuntimeException e) {
            return Duration.ZERO;
        }
    }

    /** How many requests' events the entry holds, from its name. */
    static int requests(String name) {
        String[] parts = name.split("-");
        if (parts.length == 4) {
            try {
                return Math.max(1, Integer.parseInt(parts[3]));
            } catch (NumberFormatException e) {
                return 1;
            }
        }
        return 1;
    }
}
