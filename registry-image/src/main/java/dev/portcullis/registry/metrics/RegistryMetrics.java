package dev.portcullis.registry.metrics;

import dev.portcullis.registry.auth.AuthMetrics;
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
public final class RegistryMetrics implements AuthMetrics, AutoCloseable {
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

    /** Storage latency and errors by operation, from {@link MeteredStorage}. */
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

    /** The registry meters live in, for features that register their own (the notification endpoints). */
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

    /** Unhooks the GC listener and the meters: a registry made for a while (the warm-up's) must not outlive it. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
