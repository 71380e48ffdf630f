package dev.portcullis.registry.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The cache's metrics, labelled by upstream name (a handful, from the configuration) and kind (manifest or blob),
 * never by repository: {@code registry_proxy_hits_total}, {@code registry_proxy_misses_total},
 * {@code registry_proxy_stale_total} (served from the cache because the upstream failed),
 * {@code registry_proxy_upstream_bytes_total} and {@code registry_proxy_upstream_errors_total} by status
 * ({@code network} when there was none).
 */
public final class ProxyMetrics {
    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void hit(String upstream, String kind) {
        counter("registry_proxy_hits", "Pulls answered from the cache", upstream).tag("kind", kind).register(registry).increment();
    }

    void miss(String upstream, String kind) {
        counter("registry_proxy_misses", "Pulls fetched from the upstream", upstream).tag("kind", kind).register(registry).increment();
    }

    void stale(String upstream) {
        counter("registry_proxy_stale", "Tags served from the cache while the upstream failed", upstream)
                .register(registry).increment();
    }

    void upstreamBytes(String upstream, long bytes) {
        counter("registry_proxy_upstream_bytes", "Blob and manifest bytes read from the upstream", upstream)
                .baseUnit("bytes").register(registry).increment(bytes);
    }

    void upstreamError(String upstream, int status) {
        counter("registry_proxy_upstream_errors", "Upstream requests that failed", upstream)
                .tag("status", status == 0 ? "network" : Integer.toString(status)).register(registry).increment();
    }

    private static Counter.Builder counter(String name, String description, String upstream) {
        return Counter.builder(name).description(description).tag("upstream", upstream);
    }
}
