package dev.portcullis.registry.gc;

import dev.portcullis.registry.config.StorageSettings;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.storage.UploadState;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Removes upload sessions started longer ago than {@code age}, as Distribution's
 * {@code storage.maintenance.uploadpurging} does (defaults: enabled, age 168h, interval 24h, dryrun false). One
 * purger at a time across the registries on a storage ({@code tryLock("uploadpurge")}).
 */
public final class UploadPurger {
    static final String LOCK = "uploadpurge";
    private static final Duration LOCK_TTL = Duration.ofMinutes(10);

    /** What one purge did, or would do in a dry run. */
    public record Result(boolean dryRun, int purged, int kept, Duration duration) {
        public String line() {
            return "upload purging" + (dryRun ? " (dry run): would remove " : ": removed ") + purged
                    + " abandoned uploads, kept " + kept + "; took " + duration.toMillis() + " ms";
        }
    }

    private final RegistryStorage storage;
    private final Duration age;
    private final boolean dryRun;
    private final Consumer<String> events;
    private final Clock clock;

    public UploadPurger(RegistryStorage storage, StorageSettings.UploadPurging settings, Consumer<String> events) {
        this(storage, settings.age(), settings.dryRun(), events, Clock.systemUTC());
    }

    UploadPurger(RegistryStorage storage, Duration age, boolean dryRun, Consumer<String> events, Clock clock) {
        this.storage = storage;
        this.age = age;
        this.dryRun = dryRun;
        this.events = events;
        this.clock = clock;
    }

    /** One purge; empty when another registry is purging the same storage. */
    public Optional<Result> run() throws IOException {
        Instant start = clock.instant();
        Instant cutoff = start.minus(age);
        Optional<StorageLock> lock = dryRun ? Optional.empty() : storage.tryLock(LOCK, LOCK_TTL);
        if (!dryRun && lock.isEmpty()) {
            return Optional.empty();
        }
        try {
            int purged = 0;
            int kept = 0;
            for (String name : storage.repositoriesWithUploads()) {
                RepositoryName repo = new RepositoryName(name);
                for (UploadState u : storage.uploads(repo)) {
                    if (!u.startedAt().isBefore(cutoff)) {
                        kept++;
                        continue;
                    }
                    if (dryRun) {
                        events.accept("upload eligible for purging: " + repo + " " + u.id() + " started " + u.startedAt());
                        purged++;
                    } else if (storage.cancelUpload(repo, u.id())) {
                        events.accept("upload purged: " + repo + " " + u.id() + " started " + u.startedAt());
                        purged++;
                    }
                }
            }
            return Optional.of(new Result(dryRun, purged, kept, Duration.between(start, clock.instant())));
        } finally {
            if (lock.isPresent()) {
                lock.get().close();
            }
        }
    }
}
