package dev.portcullis.registry.health;

import java.time.Duration;
import java.time.Instant;

/**
 * The last outcome of one check and its run of failures; immutable, replaced after each probe. {@code passedOnce}:
 * whether the check has ever passed since the start.
 */
public record CheckState(String name, boolean failing, int consecutiveFailures, Instant lastCheck, Duration latency,
                         String message, boolean passedOnce) {

    static CheckState initial(String name) {
        return new CheckState(name, false, 0, null, Duration.ZERO, null, false);
    }

    CheckState after(boolean passed, String failure, Instant at, Duration took, int threshold) {
        if (passed) {
            return new CheckState(name, false, 0, at, took, null, true);
        }
        int failures = consecutiveFailures + 1;
        return new CheckState(name, failures >= threshold, failures, at, took, failure, passedOnce);
    }
}
