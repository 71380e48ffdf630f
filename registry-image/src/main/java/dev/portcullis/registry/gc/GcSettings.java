package dev.portcullis.registry.gc;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import java.time.Duration;

/**
 * Portcullis's online garbage collection, {@code storage.maintenance.gc} (Distribution has no such section):
 * <pre>
 * storage:
 *   maintenance:
 *     gc:
 *       enabled: false        # run on a schedule inside the registry
 *       interval: 24h         # between runs (the first run comes one interval after start)
 *       grace: 1h             # nothing written or linked more recently than this is removed
 *       deleteuntagged: false # also remove manifests no tag reaches (like garbage-collect --delete-untagged)
 *       dryrun: false         # only log what would be removed
 * </pre>
 * The {@code garbage-collect} command reads {@code grace} from here as well.
 */
public record GcSettings(boolean enabled, Duration interval, Duration grace, boolean deleteUntagged, boolean dryRun) {
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    private static final String PREFIX = "storage.maintenance.gc.";

    public static GcSettings from(ConfigTree tree) {
        Duration interval = tree.duration(PREFIX + "interval", Duration.ofHours(24));
        if (interval.isZero() || interval.isNegative()) {
            throw new ConfigException(PREFIX + "interval", "must be longer than zero");
        }
        Duration grace = tree.duration(PREFIX + "grace", DEFAULT_GRACE);
        if (grace.isNegative()) {
            throw new ConfigException(PREFIX + "grace", "must not be negative");
        }
        return new GcSettings(tree.bool(PREFIX + "enabled", false), interval, grace,
                tree.bool(PREFIX + "deleteuntagged", false), tree.bool(PREFIX + "dryrun", false));
    }

    public GarbageCollector.Options options() {
        return new GarbageCollector.Options(grace, deleteUntagged, dryRun);
    }
}
