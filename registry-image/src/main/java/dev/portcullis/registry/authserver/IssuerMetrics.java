package dev.portcullis.registry.authserver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;

/**
 * The token issuer's metrics, scraped in Prometheus's text format from {@code metrics.addr}: login decisions and
 * their latency per backend ({@code users}, {@code kubernetes}, {@code ldap_auth}, ...), access-backend errors,
 * tokens issued. Tags are fixed words, never an account or repository name.
 */
final class IssuerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    IssuerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** {@code result}: allowed, denied, no_match, error or throttled. */
    void login(String backend, String result, Duration took) {
        Counter.builder("authserver_logins").tag("backend", backend).tag("result", result)
                .description("Login checks by backend and result").register(registry).increment();
        Timer.builder("authserver_login_duration").tag("backend", backend)
                .description("Time a backend took to check one login").register(registry).record(took);
    }

    void accessError(String backend) {
        Counter.builder("authserver_access_errors").tag("backend", backend)
                .description("Access decisions that failed (nothing granted)").register(registry).increment();
    }

    void tokenIssued() {
        Counter.builder("authserver_tokens_issued").description("Access tokens issued").register(registry).increment();
    }

    String scrape() {
        return registry.scrape();
    }

    /** The count of {@code authserver_logins} with these tags (0 when never counted), for tests. */
    double logins(String backend, String result) {
        Counter c = registry.find("authserver_logins").tag("backend", backend).tag("result", result).counter();
        return c == null ? 0 : c.count();
    }
}
