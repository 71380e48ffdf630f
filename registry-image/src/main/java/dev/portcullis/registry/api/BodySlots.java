package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.ErrorCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Turns for reading request bodies on storage workers: at most {@link BodyLimits#perClient()} per client address and
 * {@link BodyLimits#total()} in all. A request beyond them waits here, holding no thread, until a turn frees up; a
 * client with too many waiting already gets 429. So stalled or trickling uploads can hold only part of the storage
 * pool, and one client only part of that.
 */
public final class BodySlots {
    private final int perClient;
    private final int total;
    private final int waitingPerClient;
    private final Map<String, Integer> reading = new HashMap<>();
    private final Map<String, Integer> waitingByClient = new HashMap<>();
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private int inUse;

    /** {@code context}: the waiting request's event loop, where its turn is given to it. */
    private record Waiter(String client, Promise<Slot> promise, Context context) {}

    /** A turn; {@link #release()} gives it back, once. */
    public final class Slot {
        private final String client;
        private boolean released;

        private Slot(String client) {
            this.client = client;
        }

        void release() {
            synchronized (BodySlots.this) {
                if (released) {
                    return;
                }
                released = true;
                inUse--;
                reading.computeIfPresent(client, (k, n) -> n == 1 ? null : n - 1);
            }
            handOver();
        }
    }

    public BodySlots(BodyLimits limits) {
        this.perClient = limits.perClient();
        this.total = limits.total();
        this.waitingPerClient = limits.perClient() * BodyLimits.WAITING_PER_CLIENT_FACTOR;
    }

    /** A turn for {@code client}, now or when one frees up; fails with TOOMANYREQUESTS when too many wait already. */
    Future<Slot> acquire(String client) {
        synchronized (this) {
            // A waiter that fits is handed a turn the moment one frees, so one that fits now is not overtaking it.
            if (fits(client)) {
                return Future.succeededFuture(take(client));
            }
            if (waitingByClient.getOrDefault(client, 0) >= waitingPerClient) {
                return Future.failedFuture(ErrorCode.TOOMANYREQUESTS
                        .exception("too many uploads from this address at once; retry later")
                        .withHeader("Retry-After", "5"));
            }
            Promise<Slot> p = Promise.promise();
            waiting.add(new Waiter(client, p, Vertx.currentContext()));
            waitingByClient.merge(client, 1, Integer::sum);
            return p.future();
        }
    }

    /**
     * Forgets a waiter whose client went away. A turn already given to it is not released here: its request runs (and
     * fails fast on the closed connection), and gives the turn back when done.
     */
    void cancel(Future<Slot> pending) {
        synchronized (this) {
            for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.promise().future() == pending) {
                    it.remove();
                    waitingByClient.computeIfPresent(w.client(), (k, n) -> n == 1 ? null : n - 1);
                    return;
                }
            }
        }
    }

    public synchronized int inUse() {
        return inUse;
    }

    public synchronized int waiting() {
        return waiting.size();
    }

    private boolean fits(String client) {
        return inUse < total && reading.getOrDefault(client, 0) < perClient;
    }

    private Slot take(String client) {
        inUse++;
        reading.merge(client, 1, Integer::sum);
        return new Slot(client);
    }

    /** Gives freed turns to the oldest waiters that fit; promises are completed outside the lock. */
    private void handOver() {
        while (true) {
            Waiter chosen = null;
            Slot slot = null;
            synchronized (this) {
                for (Iterator<Waiter> it = waiting.iterator(); it.hasNext() && inUse < total; ) {
                    Waiter w = it.next();
                    if (fits(w.client())) {
                        it.remove();
                        waitingByClient.computeIfPresent(w.client(), (k, n) -> n == 1 ? null : n - 1);
                        chosen = w;
                        slot = take(w.client());
                        break;
                    }
                }
            }
            if (chosen == null) {
                return;
            }
            Waiter w = chosen;
            Slot s = slot;
            if (w.context() == null) {
                w.promise().complete(s);
            } else {
                w.context().runOnContext(v -> w.promise().complete(s));
            }
        }
    }
}
