package dev.portcullis.registry.api;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import java.time.Duration;

/**
 * {@code http.body.*} (ours): how slowly a request body may arrive, and how many bodies may be read at once. A body is
 * read by a storage worker thread (the storage API takes a stream), so a client that sends nothing, or a byte now and
 * then, would hold that thread; these bound what it can hold, and for how long.
 *
 * @param idleTimeout a body that brings no byte for this long (before its first byte too) is refused; also the window
 *                    over which {@code minBytesPerSecond} is measured, counting only time spent waiting for the client
 * @param minBytesPerSecond each window of {@code idleTimeout} spent waiting must bring at least this many bytes per
 *                    second (0: only the idle timeout applies)
 * @param perClient bodies one client address may have read at once; more wait, without a thread, for their turn
 * @param total bodies read at once from all clients, so that the rest of the storage pool always serves other requests
 */
public record BodyLimits(Duration idleTimeout, long minBytesPerSecond, int perClient, int total) {
    /** Requests waiting for a body slot, per client address, beyond which it gets 429. */
    static final int WAITING_PER_CLIENT_FACTOR = 4;

    public static final BodyLimits DEFAULTS = new BodyLimits(Duration.ofSeconds(30), 1024, 16, 32);

    public static BodyLimits from(ConfigTree tree) {
        Duration idle = tree.duration("http.body.idletimeout", DEFAULTS.idleTimeout());
        if (idle.isNegative() || idle.isZero()) {
            throw new ConfigException("http.body.idletimeout", "must be longer than zero");
        }
        long minRate = tree.integer("http.body.minrate", (int) DEFAULTS.minBytesPerSecond(), 0, 1 << 30);
        int total = tree.integer("http.body.maxconcurrent", DEFAULTS.total(), 1, 10_000);
        int perClient = tree.integer("http.body.maxperclient", Math.min(DEFAULTS.perClient(), total), 1, total);
        return new BodyLimits(idle, minRate, perClient, total);
    }

    long idleTimeoutMillis() {
        return idleTimeout.toMillis();
    }

    /** Bytes a window of {@link #idleTimeout} spent waiting must bring: at least one. */
    long minBytesPerWindow() {
        return Math.max(1, minBytesPerSecond * Math.max(1, idleTimeout.toSeconds()));
    }
}
