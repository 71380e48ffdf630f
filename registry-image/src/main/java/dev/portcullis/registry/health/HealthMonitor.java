package dev.portcullis.registry.health;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Runs the configured checks on their schedules and keeps their state. {@link #serving()} gates the API (only the
 * checks Distribution would gate on); {@link #ready()} is what Kubernetes and the operator read: it waits for each
 * check's first pass, and turns false while a watched worker pool is exhausted and while the registry drains for
 * shutdown.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HealthMonitor.class.getName());

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final Map<String, HealthCheck> checks = new LinkedHashMap<>();
    private final Map<String, Boolean> gatesApi = new LinkedHashMap<>();
    private final java.util.Set<String> reportOnly = ConcurrentHashMap.newKeySet();
    private final Map<String, CheckState> states = new ConcurrentHashMap<>();
    private final List<Long> timers = new ArrayList<>();
    private final Map<WatchedWorkerPool, Duration> pools = new ConcurrentHashMap<>();
    private volatile boolean draining;

    public HealthMonitor(Vertx vertx, WorkerExecutor workers) {
        this.vertx = vertx;
        this.workers = workers;
    }

    /** Adds a check; {@code gatesApi} makes API requests answer 503 while it fails, as Distribution does. */
    public HealthMonitor add(HealthCheck check, boolean gatesApi) {
        checks.put(check.name(), check);
        this.gatesApi.put(check.name(), gatesApi);
        states.put(check.name(), CheckState.initial(check.name()));
        return this;
    }

    /**
     * Adds a check that /readyz lists with its result but that gates neither the API nor readiness: something an
     * operator should see (a notification endpoint backing off) that sending clients elsewhere would not fix.
     */
    public HealthMonitor report(HealthCheck check) {
        add(check, false);
        reportOnly.add(check.name());
        return this;
    }

    /** Whether a check only reports ({@link #report}). */
    public boolean reportsOnly(String name) {
        return reportOnly.contains(name);
    }

    /**
     * Readiness also turns false while a task has waited longer than {@code maxWait} for a thread of {@code pool}:
     * requests are then queueing, and Kubernetes should send new ones to another replica.
     */
    public HealthMonitor watch(WatchedWorkerPool pool, Duration maxWait) {
        pools.put(pool, maxWait);
        return this;
    }

    /** A description of each watched pool whose queue has waited too long; empty when none has. */
    public List<String> exhaustedPools() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<WatchedWorkerPool, Duration> e : pools.entrySet()) {
            WatchedWorkerPool p = e.getKey();
            Duration waited = p.longestWait();
            if (waited.compareTo(e.getValue()) > 0) {
                out.add(p.name() + ": all " + p.threads() + " threads busy (" + p.running() + " running), " + p.waiting()
                        + " tasks waiting, the oldest for " + waited.toMillis() + " ms");
            }
        }
        return out;
    }

    public void start() {
        for (HealthCheck check : checks.values()) {
            run(check);
            timers.add(vertx.setPeriodic(Math.max(1, check.interval().toMillis()), id -> run(check)));
        }
    }

    private void run(HealthCheck check) {
        Instant started = Instant.now();
        workers.executeBlocking(() -> {
            check.probe();
            return null;
        }, false).onComplete(done -> {
            Duration took = Duration.between(started, Instant.now());
            String failure = done.succeeded() ? null : describe(done.cause());
            CheckState before = states.get(check.name());
            CheckState after = before.after(done.succeeded(), failure, started, took, check.threshold());
            states.put(check.name(), after);
            if (after.failing() && !before.failing()) {
                LOG.warning("health check " + check.name() + " failing after " + after.consecutiveFailures()
                        + " failures: " + failure);
            } else if (!after.failing() && before.failing()) {
                LOG.info("health check " + check.name() + " recovered");
            }
        });
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** False while a check that gates the API is failing. */
    public boolean serving() {
        for (CheckState s : states.values()) {
            if (s.failing() && gatesApi.get(s.name())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Ready once every check has passed at least once, and while none is failing. The threshold alone (Distribution's
     * rule, kept for {@link #serving()}) would call a registry whose storage was never reachable ready for
     * {@code interval × threshold} after its start: Kubernetes would route clients to it, and the operator would call
     * it Ready.
     */
    public boolean ready() {
        return !draining && states.values().stream()
                .allMatch(s -> reportOnly.contains(s.name()) || (s.passedOnce() && !s.failing()))
                && exhaustedPools().isEmpty();
    }

    public List<CheckState> states() {
        List<CheckState> out = new ArrayList<>();
        for (String name : checks.keySet()) {
            out.add(states.get(name));
        }
        return out;
    }

    /** Shutting down: readiness turns false so Kubernetes routes new requests elsewhere. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    @Override
    public void close() {
        timers.forEach(vertx::cancelTimer);
    }
}
