package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Mark and sweep over a {@link RegistryStorage}, safe while clients push and pull, and while other registries serve
 * the same storage.
 *
 * <p>A run is {@link Marker mark} (what every repository's manifests reach; with {@code deleteUntagged}, the deletion
 * of old untagged manifests) then {@link Sweeper sweep} (unmarked old blob content, each deleted under its digest's
 * {@link GcFence fence} after a fresh {@link StorageSnapshot}), while it holds the storage's {@link CollectorLock}.
 *
 * <p><b>Why this is safe while clients push.</b> The cutoff is the run's start minus the grace period, so anything
 * written, linked or touched during the run or within the grace period before it is never deleted. A blob uploaded but
 * not yet referenced is protected by its fresh content and link time, and its commit holds the digest's fence, so even
 * an upload of content the sweep is deleting at that moment survives. A manifest pushed during the run references
 * blobs the mark may not have seen, but the push touches their links before checking they exist, under the fence
 * protocol that {@link GcFence} explains, so either the collector sees the touch or the push sees the deletion and
 * refuses the manifest. At most one collector runs across replicas ({@code tryLock("gc")}, renewed while running).
 */
public final class GarbageCollector {
    static final String LOCK = CollectorLock.NAME;

    /**
     * @param grace          nothing written, linked or touched more recently than this before the run starts is removed
     * @param deleteUntagged also delete manifests that no tag reaches (and that are older than the grace period)
     * @param dryRun         report what would be deleted, delete nothing
     */
    public record Options(Duration grace, boolean deleteUntagged, boolean dryRun) {
        public Options {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace period must not be negative");
            }
        }
    }

    private final RegistryStorage storage;
    private final Options options;
    private final Consumer<String> events;
    private final Clock clock;

    /** {@code events} receives one line per manifest or blob deleted (or eligible, in a dry run). */
    public GarbageCollector(RegistryStorage storage, Options options, Consumer<String> events) {
        this(storage, options, events, Clock.systemUTC());
    }

    GarbageCollector(RegistryStorage storage, Options options, Consumer<String> events, Clock clock) {
        this.storage = storage;
        this.options = options;
        this.events = events;
        this.clock = clock;
    }

    /**
     * One collection. Empty when another collector holds the storage's {@code gc} lock (a dry run takes no lock: it
     * changes nothing).
     */
    public Optional<GcResult> run() throws IOException {
        Instant start = clock.instant();
        if (options.dryRun()) {
            return Optional.of(collect(start, CollectorLock.none(clock)));
        }
        Optional<StorageLock> lock = storage.tryLock(CollectorLock.NAME, CollectorLock.TTL);
        if (lock.isEmpty()) {
            return Optional.empty();
        }
        try (StorageLock held = lock.get()) {
            return Optional.of(collect(start, new CollectorLock(held, clock)));
        }
    }

    private GcResult collect(Instant start, CollectorLock lock) throws IOException {
        Instant cutoff = start.minus(options.grace());
        GcTally tally = new GcTally();
        List<RepositoryName> repos = new ArrayList<>();
        for (String name : storage.repositories()) {
            repos.add(new RepositoryName(name));
        }
        Marker marker = new Marker(storage, options, cutoff, lock, tally, events, clock);
        for (RepositoryName repo : repos) {
            lock.keep();
            marker.markRepository(repo);
        }
        new Sweeper(storage, options.dryRun(), cutoff, lock, tally, events, clock).sweep(marker.marked());
        return tally.result(options.dryRun(), repos.size(), marker.marked().size(), Duration.between(start, clock.instant()));
    }
}
