package dev.portcullis.registry.health;

import java.time.Duration;
import java.time.Instant;

/** The last outcome of one check and its run of failures; immutable, replaced after each probe. */
public record CheckState(String name, boolean failing, int consecutiveFailures, Instant lastCheck, Duration latency,
                         String message) {

    static CheckState initial(String name) {
        return new CheckState(name, false, 0, null, Duration.ZERO, null);
    }

    CheckState after(boolean passed, String failure, Instant at, Duration took, int threshold) {
        if (passed) {
            return new CheckState(name, false, 0, at, took, null);
        }
        int failures = consecutiveFailures + 1;
        return new CheckState(name, failures >= threshold, failures, at, took, failure);
    }
}
