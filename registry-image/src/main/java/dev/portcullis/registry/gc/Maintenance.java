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

    /** {@code metric} names the task in metrics ({@link MaintenanceMetrics}), {@code name} in the log. */
    private record Job(String name, String metric, Duration interval, Task task) {}

    private interface Task {
        /** False when skipped: another registry holds the storage's lock for this task. */
        boolean run() throws Exception;
    }

    static final String GC = "garbage_collection";
    static final String UPLOAD_PURGING = "upload_purging";

    private final java.util.List<Job> jobs;
    private final MaintenanceMetrics metrics;
    private ScheduledExecutorService executor;

    private Maintenance(java.util.List<Job> jobs, MaintenanceMetrics metrics) {
        this.jobs = jobs;
        this.metrics = metrics;
    }

    /** Prepares what the config enables without starting anything. Read-only registries maintain nothing. */
    public static Maintenance prepare(RegistryStorage storage, RegistryConfig config, MaintenanceMetrics metrics) {
        java.util.List<Job> jobs = new java.util.ArrayList<>();
        GcSettings gc = config.gc();
        if (config.storage().readOnly()) {
            return new Maintenance(jobs, metrics);
        }
        StorageSettings.UploadPurging purging = config.storage().uploadPurging();
        if (purging.enabled()) {
            UploadPurger purger = new UploadPurger(storage, purging, LOG::fine);
            jobs.add(new Job("upload purging", UPLOAD_PURGING, purging.interval(), () -> {
                var result = purger.run();
                result.ifPresentOrElse(r -> {
                    LOG.info(r.line());
                    if (!r.dryRun()) {
                        metrics.purged(r.purged());
                    }
                }, () -> LOG.fine("upload purging: another registry is purging this storage"));
                return result.isPresent();
            }));
        }
        if (gc.enabled()) {
            GarbageCollector collector = new GarbageCollector(storage, gc.options(), LOG::fine);
            jobs.add(new Job("garbage collection", GC, gc.interval(), () -> {
                var result = collector.run();
                result.ifPresentOrElse(r -> {
                    LOG.info(r.line());
                    if (!r.dryRun()) {
                        metrics.collected(r.blobsDeleted(), r.bytesFreed());
                    }
                }, () -> LOG.info("garbage collection: skipped, another collector holds the storage's gc lock"));
                return result.isPresent();
            }));
        }
        return new Maintenance(jobs, metrics);
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
            metrics.scheduled(job.metric(), job.interval());
            executor.scheduleWithFixedDelay(() -> {
                try {
                    metrics.finished(job.metric(), job.task().run()
                            ? MaintenanceMetrics.Outcome.SUCCESS : MaintenanceMetrics.Outcome.SKIPPED);
                } catch (Exception e) {
                    // A failed run must not end the schedule: the next one starts from scratch.
                    LOG.log(Level.WARNING, job.name() + " failed: " + e, e);
                    metrics.finished(job.metric(), MaintenanceMetrics.Outcome.FAILURE);
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
