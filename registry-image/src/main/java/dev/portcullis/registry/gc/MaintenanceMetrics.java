package dev.portcullis.registry.gc;

import java.time.Duration;

/**
 * What background maintenance reports to metrics, so that a collection or purge that keeps failing (or never runs)
 * can alert instead of only logging. Tasks are named {@code garbage_collection} and {@code upload_purging}.
 */
public interface MaintenanceMetrics {
    /** How a scheduled run ended: it did its work, another replica held the storage lock, or it threw. */
    enum Outcome { SUCCESS, SKIPPED, FAILURE }

    /** The task is scheduled every {@code interval}; called once, before its first run. */
    void scheduled(String task, Duration interval);

    void finished(String task, Outcome outcome);

    /** A collection deleted {@code blobs} blobs, {@code bytes} bytes in all. */
    void collected(int blobs, long bytes);

    /** A purge removed {@code uploads} abandoned uploads. */
    void purged(int uploads);

    MaintenanceMetrics NONE = new MaintenanceMetrics() {
        @Override
        public void scheduled(String task, Duration interval) { }

        @Override
        public void finished(String task, Outcome outcome) { }

        @Override
        public void collected(int blobs, long bytes) { }

        @Override
        public void purged(int uploads) { }
    };
}
