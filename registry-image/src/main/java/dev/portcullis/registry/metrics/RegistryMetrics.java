package dev.portcullis.registry.metrics;

import dev.portcullis.registry.auth.AuthMetrics;
import dev.portcullis.registry.gc.MaintenanceMetrics;
import dev.portcullis.registry.health.CheckState;
import dev.portcullis.registry.health.HealthMonitor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every metric the registry exports, in one Micrometer registry scraped in Prometheus's text format. Names follow
 * Prometheus conventions under {@code registry_}; routes are the API's resource names, never raw paths, so repository
 * names cannot explode the label set.
 */
public final class RegistryMetrics implements AuthMetrics, MaintenanceMetrics, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger uploadsInProgress = new AtomicInteger();
    private final Counter authSuccess;
    private final Counter authFailure;
    private final Counter authDenied;
    private final Counter authThrottled;
    private final Counter authCacheHits;
    private final DistributionSummary bytesIn;
    private final DistributionSummary bytesOut;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Counter gcDeletedBlobs;
    private final Counter gcFreedBytes;
    private final Counter purgedUploads;
    private final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> lastSuccess =
            new java.util.concurrent.ConcurrentHashMap<>();

    public RegistryMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("registry_uploads_in_progress", uploadsInProgress, AtomicInteger::get)
                .description("Blob uploads streaming right now").register(registry);
        authSuccess = auth("success");
        authFailure = auth("failure");
        authDenied = auth("denied");
        authThrottled = auth("throttled");
        authCacheHits = Counter.builder("registry_auth_cache_hits").description("Requests authenticated from the credential or token cache")
                .register(registry);
        bytesIn = DistributionSummary.builder("registry_http_request_bytes").baseUnit("bytes")
                .description("Request body bytes received").register(registry);
        bytesOut = DistributionSummary.builder("registry_http_response_bytes").baseUnit("bytes")
                .description("Response body bytes sent").register(registry);
        gcDeletedBlobs = Counter.builder("registry_gc_deleted_blobs").description("Blobs deleted by online garbage collection")
                .register(registry);
        gcFreedBytes = Counter.builder("registry_gc_freed_bytes").description("Bytes freed by online garbage collection")
                .register(registry);
        purgedUploads = Counter.builder("registry_upload_purging_purged_uploads")
                .description("Abandoned uploads removed by upload purging").register(registry);
    }

    private Counter auth(String outcome) {
        return Counter.builder("registry_auth_attempts").tag("outcome", outcome)
                .description("Authentication and authorization decisions").register(registry);
    }

    public void request(String method, String route, int status, Duration took, long in, long out) {
        Timer.builder("registry_http_requests").tag("method", method).tag("route", route)
                .tag("status", Integer.toString(status)).publishPercentileHistogram()
                .description("API requests by method, route and status").register(registry).record(took);
        bytesIn.record(in);
        bytesOut.record(out);
    }

    public void uploadStarted() {
        uploadsInProgress.incrementAndGet();
    }

    public void uploadEnded() {
        uploadsInProgress.decrementAndGet();
    }

    /** Storage latency and errors by operation, from {@link MeteredDriver}. */
    public void storage(String operation, Duration took, boolean failed) {
        Timer.builder("registry_storage_operations").tag("operation", operation).tag("outcome", failed ? "error" : "ok")
                .description("Storage driver calls").register(registry).record(took);
    }

    public void watch(HealthMonitor monitor) {
        for (CheckState s : monitor.states()) {
            String name = s.name();
            Gauge.builder("registry_health_check_up", monitor, m -> m.states().stream()
                            .filter(x -> x.name().equals(name)).anyMatch(x -> !x.failing()) ? 1 : 0)
                    .tag("check", name).description("1 while the health check passes").register(registry);
        }
    }

    /**
     * Exports the expiry of the certificates {@code purpose} names ({@code serving}, {@code client-ca}): the supplier
     * gives the ones in use at each scrape, so reloads show without a call here.
     */
    public void watchCertificates(String purpose, java.util.function.Supplier<java.util.List<java.security.cert.X509Certificate>> inUse) {
        CertificateExpiry.register(registry, purpose, inUse);
    }

    @Override
    public void watchTokenSigningCertificates(java.util.function.Supplier<java.util.List<java.security.cert.X509Certificate>> trusted) {
        watchCertificates("token-signing", trusted);
    }

    /** The registry meters live in, for features that register their own (the pull-through cache, notifications). */
    public io.micrometer.core.instrument.MeterRegistry meterRegistry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void success() {
        authSuccess.increment();
    }

    @Override
    public void failure() {
        authFailure.increment();
    }

    @Override
    public void denied() {
        authDenied.increment();
    }

    @Override
    public void throttled() {
        authThrottled.increment();
    }

    @Override
    public void cacheHit() {
        authCacheHits.increment();
    }

    @Override
    public void scheduled(String task, Duration interval) {
        // Until a first run the schedule's start stands in for the last success: a registry started an hour ago with
        // a daily purge is not overdue, one whose runs keep failing becomes so after two intervals.
        var last = lastSuccess.computeIfAbsent(task, t -> new java.util.concurrent.atomic.AtomicLong());
        last.set(java.time.Instant.now().getEpochSecond());
        Gauge.builder("registry_maintenance_last_success_timestamp_seconds", last, java.util.concurrent.atomic.AtomicLong::get)
                .tag("task", task).description("When the task last completed (or its schedule started), seconds since the epoch")
                .register(registry);
        Gauge.builder("registry_maintenance_interval_seconds", interval, i -> i.toMillis() / 1000.0)
                .tag("task", task).description("How often the task is scheduled").strongReference(true).register(registry);
        for (Outcome outcome : Outcome.values()) {
            runs(task, outcome);
        }
    }

    @Override
    public void finished(String task, Outcome outcome) {
        runs(task, outcome).increment();
        if (outcome == Outcome.SUCCESS) {
            lastSuccess.computeIfAbsent(task, t -> new java.util.concurrent.atomic.AtomicLong())
                    .set(java.time.Instant.now().getEpochSecond());
        }
    }

    private Counter runs(String task, Outcome outcome) {
        return Counter.builder("registry_maintenance_runs").tag("task", task)
                .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                .description("Background maintenance runs by task and outcome (skipped: another replica held the lock)")
                .register(registry);
    }

    @Override
    public void collected(int blobs, long bytes) {
        gcDeletedBlobs.increment(blobs);
        gcFreedBytes.increment(bytes);
    }

    @Override
    public void purged(int uploads) {
        purgedUploads.increment(uploads);
    }

    /** Unhooks the GC listener and the meters: a registry made for a while (the warm-up's) must not outlive it. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
