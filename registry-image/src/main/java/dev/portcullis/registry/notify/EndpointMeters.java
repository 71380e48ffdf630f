package dev.portcullis.registry.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint's meters, labelled {@code endpoint=NAME}: entries waiting, events delivered and dropped, failed delivery
 * attempts, the time from an event's request to its delivery, and whether the endpoint is past its failure threshold.
 */
final class EndpointMeters {
    final AtomicInteger pending = new AtomicInteger();
    final AtomicInteger failing = new AtomicInteger();
    private final Counter delivered;
    private final Counter failed;
    private final Counter dropped;
    private final Timer latency;

    EndpointMeters(MeterRegistry registry, String endpoint) {
        Gauge.builder("registry_notifications_pending", pending, AtomicInteger::get).tag("endpoint", endpoint)
                .description("Requests whose events wait in the outbox for delivery").register(registry);
        Gauge.builder("registry_notifications_failing", failing, AtomicInteger::get).tag("endpoint", endpoint)
                .description("1 while the endpoint has failed at least its threshold of attempts in a row")
                .register(registry);
        delivered = Counter.builder("registry_notifications_delivered").tag("endpoint", endpoint)
                .description("Events delivered (2xx or 3xx)").register(registry);
        failed = Counter.builder("registry_notifications_failed").tag("endpoint", endpoint)
                .description("Delivery attempts that failed; each is retried").register(registry);
        dropped = Counter.builder("registry_notifications_dropped").tag("endpoint", endpoint)
                .description("Events not queued because the endpoint's backlog was full").register(registry);
        latency = Timer.builder("registry_notifications_delivery_latency").tag("endpoint", endpoint)
                .publishPercentileHistogram()
                .description("From the request that caused an event to its delivery").register(registry);
    }

    void delivered(int events) {
        delivered.increment(events);
    }

    void latency(Duration sinceWritten) {
        latency.record(sinceWritten.isNegative() ? Duration.ZERO : sinceWritten);
    }

    void failed() {
        failed.increment();
    }

    void dropped(int events) {
        dropped.increment(events);
    }

    double droppedCount() {
        return dropped.count();
    }
}
