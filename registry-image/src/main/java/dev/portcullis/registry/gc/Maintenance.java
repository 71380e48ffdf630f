package dev.portcullis.registry.gc;

import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.StorageSettings;
import dev.portcullis.registry.storage.RegistryStorage;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The registry's background storage maintenance: upload purging ({@code storage.maintenance.uploadpurging}) and
 * online garbage collection ({@code storage.maintenance.gc}), each on its own interval, on one daemon thread so the
 * two never run at once in this process. Every run takes a storage lock, so replicas on one storage take turns.
 */
public final class Maintenance implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Maintenance.class.getName());

    private record Job(String name, Duration interval, Task task) {}

    private interface Task {
        void run() throws Exception;
    }

    private final java.util.List<Job> jobs;
    private ScheduledExecutorService executor;

    private Maintenance(java.util.List<Job> jobs) {
        this.jobs = jobs;
    }

    /**
     * Reads and validates what the config enables (a bad {@code storage.maintenance.gc} key is a ConfigException
     * here, before the server listens) without starting anything. Read-only registries maintain nothing.
     */
    public static Maintenance prepare(RegistryStorage storage, RegistryConfig config) {
        java.util.List<Job> jobs = new java.util.ArrayList<>();
        GcSettings gc = GcSettings.from(config.tree());
        if (config.storage().readOnly()) {
            return new Maintenance(jobs);
        }
        StorageSettings.UploadPurging purging = config.storage().uploadPurging();
        if (purging.enabled()) {
            UploadPurger purger = new UploadPurger(storage, purging, LOG::fine);
            jobs.add(new Job("upload purging", purging.interval(), () -> purger.run().ifPresentOrElse(
                    r -> LOG.info(r.line()), () -> LOG.fine("upload purging: another registry is purging this storage"))));
        }
        if (gc.enabled()) {
            GarbageCollector collector = new GarbageCollector(storage, gc.options(), LOG::fine);
            jobs.add(new Job("garbage collection", gc.interval(), () -> collector.run().ifPresentOrElse(
                    r -> LOG.info(r.line()),
                    () -> LOG.info("garbage collection: skipped, another collector holds the storage's gc lock"))));
        }
        return new Maintenance(jobs);
    }

    /** Schedules the jobs, each first one interval from now, on one daemon thread; returns this. */
    public synchronized Maintenance start() {
        if (executor != null || jobs.isEmpty()) {
            return this;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portcullis-maintenance");
            t.setDaemon(true);
            return t;
        });
        for (Job job : jobs) {
            long millis = Math.max(1, job.interval().toMillis());
            executor.scheduleWithFixedDelay(() -> {
                try {
                    job.task().run();
                } catch (Exception e) {
                    // A failed run must not end the schedule: the next one starts from scratch.
                    LOG.log(Level.WARNING, job.name() + " failed: " + e, e);
                }
            }, millis, millis, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    @Override
    public synchronized void close() {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
