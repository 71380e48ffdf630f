package dev.portcullis.registry.health;

import java.time.Duration;

/**
 * One of Distribution's health checks: probed every {@code interval}; after {@code threshold} failures in a row it
 * counts as failing, and a single success clears it.
 */
public interface HealthCheck {
    String name();

    Duration interval();

    int threshold();

    /** Runs the probe; throws with a message a person can act on when it fails. Called on a worker thread. */
    void probe() throws Exception;
}
