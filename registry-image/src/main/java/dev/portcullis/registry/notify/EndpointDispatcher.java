package dev.portcullis.registry.notify;

import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Delivers one endpoint's outbox, oldest entry first, each entry until it succeeds: at least once, and in order (an
 * entry that keeps failing holds back the ones after it, as Distribution's queue does). Only the replica holding the
 * endpoint's lease delivers, so replicas on one storage never send the same entry at the same time; another replica
 * takes over when the holder stops renewing it.
 *
 * <p>Retries follow Distribution's {@code threshold} and {@code backoff}: after {@code threshold} failures in a row the
 * pause starts at {@code backoff} and doubles with each further failure, up to {@link #MAX_BACKOFF}.
 */
final class EndpointDispatcher implements Runnable {
    private static final Logger LOG = Logger.getLogger(EndpointDispatcher.class.getName());
    static final Duration LEASE_TTL = Duration.ofSeconds(10);
    private static final long RENEW_EVERY_MILLIS = LEASE_TTL.toMillis() / 3;
    /** How often the outbox is listed with nothing signalled: what other replicas wrote shows up within this. */
    static final long POLL_MILLIS = 1000;
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** The pause between the quick retries below the threshold, so that a refused connection does not spin. */
    private static final long QUICK_RETRY_MILLIS = 50;
    /** How long a dispatcher woken by a new entry waits for more before it delivers: the price of batching. */
    static final long LINGER_MILLIS = 20;
    /** At most the events of this many requests, or about this many bytes, go in one delivery of a backlog. */
    static final int MAX_BATCH_ENTRIES = 100;
    private static final long MAX_BATCH_BYTES = 1024 * 1024;

    private final EndpointSettings settings;
    private final Outbox outbox;
    private final EndpointClient client;
    private final EndpointMeters meters;
    private final RegistryStorage locks;
    private final String lockName;
    private final Object wake = new Object();
    private volatile boolean closed;
    private boolean signalled;
    private StorageLock lease;
    private long renewedAt;
    private int failures;
    private boolean storageFailing;
    /** Why the endpoint is backing off, or null while it is not: what its health check reports. */
    private volatile String backingOff;

    EndpointDispatcher(EndpointSettings settings, Outbox outbox, EndpointClient client, EndpointMeters meters,
                       RegistryStorage locks, String lockName) {
        this.settings = settings;
        this.outbox = outbox;
        this.client = client;
        this.meters = meters;
        this.locks = locks;
        this.lockName = lockName;
    }

    String endpoint() {
        return settings.name();
    }

    /** Why deliveries to the endpoint are backing off ({@code threshold} failures in a row), or empty. */
    Optional<String> backingOff() {
        return Optional.ofNullable(backingOff);
    }

    /** Something was queued here: deliver now rather than at the next poll. */
    void signal() {
        synchronized (wake) {
            signalled = true;
            wake.notifyAll();
        }
    }

    @Override
    public void run() {
        while (!closed) {
            try {
                cycle();
                storageFailing = false;
            } catch (IOException e) {
                if (!storageFailing) {
                    LOG.warning("notifications: endpoint " + settings.name() + ": outbox unavailable, retrying every "
                            + POLL_MILLIS + " ms: " + e.getMessage());
                }
                storageFailing = true;
                pause(POLL_MILLIS);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "notifications: endpoint " + settings.name() + ": dispatcher error, retrying", e);
                pause(POLL_MILLIS);
            }
        }
        release();
    }

    private void cycle() throws IOException, InterruptedException {
        if (!holdsLease()) {
            outbox.list(); // keeps this replica's pending gauge (and so its backlog check) current
            pause(POLL_MILLIS);
            return;
        }
        List<String> names = outbox.list();
        if (names.isEmpty()) {
            pause(POLL_MILLIS);
            return;
        }
        int next = 0;
        while (next < names.size()) {
            if (closed || !holdsLease()) {
                return;
            }
            // A backlog goes out in batches: one request for many entries, in their order.
            List<String> batch = new ArrayList<>();
            List<EventEnvelope> envelopes = new ArrayList<>();
            int requests = 0;
            long bytes = 0;
            while (next < names.size() && requests < MAX_BATCH_ENTRIES && bytes < MAX_BATCH_BYTES) {
                String name = names.get(next++);
                Optional<EventEnvelope> entry = envelope(name);
                if (entry.isPresent()) {
                    batch.add(name);
                    envelopes.add(entry.get());
                    requests += Outbox.requests(name);
                    bytes += entry.get().json().length;
                }
            }
            if (!batch.isEmpty() && !deliver(batch, EventEnvelope.join(envelopes))) {
                return;
            }
        }
        // All delivered: what was written here meanwhile has signalled and ends the pause at once, so listing again
        // now would only find the outbox empty.
        pause(POLL_MILLIS);
    }

    /**
     * A listed entry's events: from memory when this process wrote it, else read back; empty when it is gone, or was
     * not an envelope and has been removed.
     */
    private Optional<EventEnvelope> envelope(String name) throws IOException {
        Optional<EventEnvelope> kept = outbox.writtenHere(name);
        if (kept.isPresent()) {
            return kept;
        }
        Optional<byte[]> stored = outbox.read(name);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Optional<EventEnvelope> parsed = EventEnvelope.parse(stored.get());
        if (parsed.isEmpty()) {
            // Not one we wrote (entries appear whole or not at all): it would block the endpoint forever.
            LOG.warning("notifications: endpoint " + settings.name() + ": outbox entry " + name
                    + " is not an event envelope; removed");
            outbox.remove(name);
        }
        return parsed;
    }

    /** True once delivered and removed; false when this replica stopped or lost the lease first. */
    private boolean deliver(List<String> names, EventEnvelope events) throws IOException, InterruptedException {
        while (!closed) {
            if (!holdsLease()) {
                return false;
            }
            try {
                client.deliver(events);
            } catch (IOException | RuntimeException e) {
                failures++;
                meters.failed();
                if (failures >= Math.max(1, settings.threshold())) {
                    backingOff = "failed " + failures + " deliveries in a row, retrying with backoff: " + e.getMessage();
                }
                if (failures == settings.threshold() || (failures > settings.threshold() && failures % 100 == 0)) {
                    meters.failing.set(1);
                    LOG.warning("notifications: endpoint " + settings.name() + " failed " + failures
                            + " deliveries in a row, retrying with backoff: " + e.getMessage());
                }
                if (!backOff(delayAfter(failures))) {
                    return false;
                }
                continue;
            }
            if (failures >= settings.threshold()) {
                LOG.info("notifications: endpoint " + settings.name() + " accepts deliveries again after " + failures + " failures");
            }
            failures = 0;
            meters.failing.set(0);
            backingOff = null;
            meters.delivered(events.events());
            for (String name : names) {
                outbox.remove(name);
                Duration age = Outbox.age(name);
                for (int i = Outbox.requests(name); i > 0; i--) {
                    meters.latency(age);
                }
            }
            return true;
        }
        return false;
    }

    long delayAfter(int failures) {
        if (failures < settings.threshold()) {
            return QUICK_RETRY_MILLIS;
        }
        int doublings = Math.min(30, failures - settings.threshold());
        long millis = settings.backoff().toMillis() << doublings;
        return millis <= 0 || millis > MAX_BACKOFF.toMillis() ? MAX_BACKOFF.toMillis() : millis;
    }

    private boolean holdsLease() throws IOException {
        long now = System.currentTimeMillis();
        if (lease == null) {
            Optional<StorageLock> taken = locks.tryLock(lockName, LEASE_TTL);
            if (taken.isEmpty()) {
                return false;
            }
            lease = taken.get();
            renewedAt = now;
            LOG.fine("notifications: delivering for endpoint " + settings.name() + " from this replica");
            return true;
        }
        if (now - renewedAt >= RENEW_EVERY_MILLIS) {
            if (!lease.renew()) {
                LOG.info("notifications: lost the delivery lease of endpoint " + settings.name() + " to another replica");
                lease = null;
                return false;
            }
            renewedAt = now;
        }
        return true;
    }

    /**
     * Waits up to {@code millis}, or until something is queued and then {@link #LINGER_MILLIS} more, so that a burst of
     * requests (a push's layers) goes out in one delivery instead of one each.
     */
    private void pause(long millis) {
        boolean woken;
        synchronized (wake) {
            if (!closed && !signalled) {
                try {
                    wake.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            woken = signalled;
            signalled = false;
        }
        if (woken && !closed) {
            try {
                Thread.sleep(LINGER_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A retry's pause: new entries do not cut it short, and the lease is renewed meanwhile so that another replica does
     * not take over a holder that is only waiting. False if the lease was lost or the dispatcher closed.
     */
    private boolean backOff(long millis) throws IOException {
        long until = System.currentTimeMillis() + millis;
        while (!closed) {
            long left = until - System.currentTimeMillis();
            if (left <= 0) {
                return true;
            }
            if (!holdsLease()) {
                return false;
            }
            synchronized (wake) {
                try {
                    wake.wait(Math.min(left, RENEW_EVERY_MILLIS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void release() {
        if (lease != null) {
            try {
                lease.close();
            } catch (IOException e) {
                LOG.fine("releasing the notification lease: " + e.getMessage());
            }
            lease = null;
        }
    }
}
