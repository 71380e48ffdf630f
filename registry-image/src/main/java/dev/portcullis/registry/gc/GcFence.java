package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

/**
 * The hand-shake between a manifest push and an online garbage collector, so that a push never stores a manifest
 * whose blob or child manifest the collector deletes at the same moment.
 *
 * <p><b>The race.</b> A manifest push checks that each referenced blob exists and then stores the manifest. A sweep
 * that decided before the manifest was stored that the blob is unreferenced (its mark could not see the manifest)
 * could delete the blob between the check and the store, leaving a stored manifest with a missing blob.
 *
 * <p><b>The scheme.</b> Every digest has a fence: the storage lock {@link #lockName(Digest)}.
 * <ul>
 *   <li>The collector, for each digest it is about to delete, takes the fence, then re-reads the storage (link
 *       times, revisions, content times) and deletes only what is still unreferenced and older than the grace
 *       cutoff, then releases the fence.</li>
 *   <li>The push, for each referenced digest, first {@linkplain RegistryStorage#touchLinks touches} its links in the
 *       repository (their time becomes "now", which the collector's grace period protects), then <em>probes</em> the
 *       fence (takes and releases it at once, waiting while someone holds it), and only then checks that the blob
 *       exists.</li>
 *   <li>A blob upload commits while {@linkplain #holding holding} the fence, so content uploaded during a sweep is
 *       never removed by it (see there).</li>
 * </ul>
 * Since the fence is a mutual exclusion, the probe happens either before the collector took the fence, and then the
 * collector's re-read comes after the touch and sees a link newer than its cutoff, so it keeps the blob; or after
 * the collector released it, and then the push's existence check comes after the deletion and refuses the manifest
 * with MANIFEST_BLOB_UNKNOWN (the client uploads the blob again). The touch then protects the blob for the grace
 * period, by which time the stored manifest itself marks it. The only assumption is that a push takes less than the
 * grace period from touching to storing (milliseconds against the default hour).
 *
 * <p>The manifest's own content is handled by {@link #storeThenProbe}: store first, probe, then check the content is
 * still there (store again if a collector removed it meanwhile), the same argument with the write as the touch.
 */
public final class GcFence {
    /** How long a push waits for a collector to release a fence before giving up with an error. */
    static final Duration PROBE_PATIENCE = Duration.ofSeconds(30);
    private static final Duration PROBE_TTL = Duration.ofSeconds(10);
    /** Long enough for any commit (it may re-hash a large upload); a crashed holder only delays collection. */
    private static final Duration HOLD_TTL = Duration.ofMinutes(10);

    private GcFence() {}

    public static String lockName(Digest digest) {
        return "blob-" + digest.algorithm().id() + "-" + digest.hex();
    }

    /** Touches {@code repo}'s links to each digest, then waits until no collector is deleting any of them. */
    public static void protect(RegistryStorage storage, RepositoryName repo, Collection<Digest> digests)
            throws IOException {
        for (Digest d : digests) {
            storage.touchLinks(repo, d);
        }
        for (Digest d : digests) {
            probe(storage, d);
        }
    }

    /**
     * Waits until nobody holds {@code digest}'s fence: takes it and releases it at once. Other pushes probing or
     * committing the same digest hold it for a moment too, so a busy fence is retried for up to
     * {@link #PROBE_PATIENCE}.
     */
    public static void probe(RegistryStorage storage, Digest digest) throws IOException {
        acquire(storage, digest, PROBE_TTL).close();
    }

    private static StorageLock acquire(RegistryStorage storage, Digest digest, Duration ttl) throws IOException {
        long deadline = System.nanoTime() + PROBE_PATIENCE.toNanos();
        long pause = 2;
        while (true) {
            Optional<StorageLock> lock = storage.tryLock(lockName(digest), ttl);
            if (lock.isPresent()) {
                return lock.get();
            }
            if (System.nanoTime() > deadline) {
                throw ErrorCode.UNAVAILABLE.exception("blob " + digest + " is being garbage collected; retry later");
            }
            try {
                Thread.sleep(pause + (long) (Math.random() * pause));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the garbage collector", e);
            }
            pause = Math.min(pause * 2, 200);
        }
    }

    /**
     * Runs {@code write} (a blob upload's commit) holding {@code digest}'s fence, so that a collector cannot have
     * decided to delete that content before the write and delete it after: its re-check under the fence either comes
     * after the write, and sees content newer than its cutoff, or its deletion comes before the write, which then
     * stores the content again. Content uploaded during a collection is therefore never removed by it.
     */
    public static void holding(RegistryStorage storage, Digest digest, Store write) throws IOException {
        StorageLock fence = acquire(storage, digest, HOLD_TTL);
        try {
            write.store();
        } finally {
            fence.close();
        }
    }

    /** A write that must survive a concurrent collector: {@code store} is repeated until a probe finds it intact. */
    public interface Store {
        void store() throws IOException;
    }

    public interface Check {
        boolean intact() throws IOException;
    }

    /** Stores, probes the fence of {@code digest}, and stores again if the content vanished meanwhile. */
    public static void storeThenProbe(RegistryStorage storage, Digest digest, Store store, Check check)
            throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            store.store();
            probe(storage, digest);
            if (check.intact()) {
                return;
            }
        }
        throw ErrorCode.UNAVAILABLE.exception("manifest " + digest + " kept being garbage collected; retry later");
    }
}
