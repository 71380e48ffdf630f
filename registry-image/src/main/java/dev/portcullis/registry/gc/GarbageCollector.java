package dev.portcullis.registry.gc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.oci.Descriptor;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.Manifest;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.BlobRecord;
import dev.portcullis.registry.storage.LinkRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.storage.StoredManifest;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Mark and sweep over a {@link RegistryStorage}, safe while clients push and pull, and while other registries serve
 * the same storage.
 *
 * <p><b>Mark.</b> For each repository: every manifest revision, or with {@code deleteUntagged} only the tagged
 * manifests, those linked more recently than the grace cutoff, and what they reach (children of indexes, transitively,
 * and referrers of kept manifests). Kept manifests mark their own digest, their config and layer blobs, and their
 * children. With {@code deleteUntagged}, the other revisions older than the cutoff are deleted.
 *
 * <p><b>Sweep.</b> Blob content that is unmarked and was written before the cutoff is a candidate. For each candidate
 * the collector takes the digest's {@link GcFence fence}, re-reads the storage (content times, every repository's
 * blob links and manifest revisions) and deletes only what is still unreferenced, not a revision anywhere, and neither
 * written nor linked (nor touched by a manifest push) after the cutoff; then removes the links left dangling.
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
    private static final Logger LOG = Logger.getLogger(GarbageCollector.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String LOCK = "gc";
    static final Duration LOCK_TTL = Duration.ofMinutes(5);
    /** Fences are not renewed: a deletion is skipped when its fence has less than the margin left. */
    static final Duration FENCE_TTL = Duration.ofMinutes(10);
    static final Duration FENCE_MARGIN = Duration.ofMinutes(3);
    /** How many digests one batch of the sweep fences, re-checks and deletes. */
    static final int FENCE_BATCH = 1000;

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
            return Optional.of(new Run(start, null).collect());
        }
        Optional<StorageLock> lock = storage.tryLock(LOCK, LOCK_TTL);
        if (lock.isEmpty()) {
            return Optional.empty();
        }
        try (StorageLock held = lock.get()) {
            return Optional.of(new Run(start, held).collect());
        }
    }

    /** What a manifest points at. Unparseable manifests point conservatively at every digest their JSON mentions. */
    private record Refs(Set<Digest> blobs, Set<Digest> children, Optional<Digest> subject) {
        static final Refs NONE = new Refs(Set.of(), Set.of(), Optional.empty());
    }

    /** The state of one collection. */
    private final class Run {
        private final Instant start;
        private final Instant cutoff;
        private final StorageLock lock;
        private Instant renewedAt;
        private final Set<Digest> marked = new HashSet<>();
        private int manifestsDeleted;
        private int blobsDeleted;
        private long bytesFreed;
        private int linksRemoved;
        private int keptByGrace;

        Run(Instant start, StorageLock lock) {
            this.start = start;
            this.cutoff = start.minus(options.grace());
            this.lock = lock;
            this.renewedAt = start;
        }

        GcResult collect() throws IOException {
            List<RepositoryName> repos = repositories();
            for (RepositoryName repo : repos) {
                keepLock();
                markRepository(repo);
            }
            sweep();
            Duration took = Duration.between(start, clock.instant());
            return new GcResult(options.dryRun(), repos.size(), marked.size(), manifestsDeleted, blobsDeleted,
                    bytesFreed, linksRemoved, keptByGrace, took);
        }

        private List<RepositoryName> repositories() throws IOException {
            List<RepositoryName> out = new ArrayList<>();
            for (String name : storage.repositories()) {
                out.add(new RepositoryName(name));
            }
            return out;
        }

        /** Renews the collector lock when a third of its TTL has passed; aborts the run if it was lost. */
        private void keepLock() throws IOException {
            if (lock == null) {
                return;
            }
            Instant now = clock.instant();
            if (Duration.between(renewedAt, now).compareTo(LOCK_TTL.dividedBy(3)) < 0) {
                return;
            }
            if (!lock.renew()) {
                throw new IOException("lost the garbage collection lock; stopping this run before it deletes anything more");
            }
            renewedAt = now;
        }

        // ---- mark ----------------------------------------------------------------------------------------------

        private void markRepository(RepositoryName repo) throws IOException {
            Map<Digest, Instant> revisions = new LinkedHashMap<>();
            for (LinkRecord r : storage.manifestRevisionLinks(repo)) {
                revisions.put(r.digest(), r.linked());
            }
            Map<Digest, Refs> refs = new HashMap<>();
            Set<Digest> tagged = tagged(repo);
            Set<Digest> keep = new LinkedHashSet<>();
            if (!options.deleteUntagged()) {
                keep.addAll(revisions.keySet());
                keep.addAll(tagged);
            } else {
                reach(repo, new ArrayDeque<>(tagged), keep, refs);
                // What no tag reaches but is younger than the cutoff stays only because of the grace period.
                Deque<Digest> young = new ArrayDeque<>();
                revisions.forEach((d, linked) -> {
                    if (linked.isAfter(cutoff) && !keep.contains(d)) {
                        young.add(d);
                    }
                });
                keptByGrace += young.size();
                reach(repo, young, keep, refs);
            }
            for (Digest d : keep) {
                markManifest(repo, d, refs);
            }
            if (options.deleteUntagged()) {
                List<Digest> doomed = new ArrayList<>();
                for (Digest d : revisions.keySet()) {
                    if (!keep.contains(d)) {
                        doomed.add(d);
                    }
                }
                for (Digest survivor : deleteManifests(repo, doomed, refs)) {
                    markManifest(repo, survivor, refs);
                }
            }
        }

        /** Adds to keep the manifests in work and everything they reach: index children and referrers. */
        private void reach(RepositoryName repo, Deque<Digest> work, Set<Digest> keep, Map<Digest, Refs> refs)
                throws IOException {
            while (!work.isEmpty()) {
                Digest d = work.pop();
                if (!keep.add(d)) {
                    continue;
                }
                work.addAll(refs(repo, d, refs).children());
                work.addAll(storage.referrers(repo, d));
            }
        }

        private void markManifest(RepositoryName repo, Digest d, Map<Digest, Refs> cache) throws IOException {
            marked.add(d);
            Refs r = refs(repo, d, cache);
            marked.addAll(r.blobs());
            marked.addAll(r.children());
        }

        private Set<Digest> tagged(RepositoryName repo) throws IOException {
            Set<Digest> out = new LinkedHashSet<>();
            for (String tag : storage.tags(repo).orElse(List.of())) {
                storage.resolveTag(repo, tag).ifPresent(out::add);
            }
            return out;
        }

        private Refs refs(RepositoryName repo, Digest d, Map<Digest, Refs> cache) throws IOException {
            Refs known = cache.get(d);
            if (known != null) {
                return known;
            }
            Optional<StoredManifest> stored = storage.manifest(repo, d);
            Refs r = stored.isEmpty() ? Refs.NONE : parse(stored.get());
            cache.put(d, r);
            return r;
        }

        private Refs parse(StoredManifest stored) {
            try {
                Manifest m = Manifest.parse(stored.content(), stored.mediaType());
                Set<Digest> blobs = new LinkedHashSet<>();
                // External (foreign) layers too: marking more than needed is always safe.
                if (m.config() != null) {
                    blobs.add(m.config().digest());
                }
                m.layers().forEach(l -> blobs.add(l.digest()));
                Set<Digest> children = new LinkedHashSet<>();
                m.manifests().forEach(c -> children.add(c.digest()));
                return new Refs(blobs, children, m.subjectDescriptor().map(Descriptor::digest));
            } catch (RegistryException notOurs) {
                // Schema 1, or anything else we would not accept today: keep whatever it names.
                Set<Digest> all = new LinkedHashSet<>();
                try {
                    collectDigests(JSON.readTree(stored.content()), all);
                } catch (IOException unreadable) {
                    LOG.warning("manifest " + stored.digest() + " is not JSON; it marks nothing");
                }
                return new Refs(all, all, Optional.empty());
            }
        }

        // ---- untagged manifests --------------------------------------------------------------------------------

        /** Deletes the doomed revisions that are still untagged and old under their fences; returns the others. */
        private List<Digest> deleteManifests(RepositoryName repo, List<Digest> doomed, Map<Digest, Refs> refs)
                throws IOException {
            if (doomed.isEmpty()) {
                return List.of();
            }
            if (options.dryRun()) {
                doomed.forEach(d -> events.accept("manifest eligible for deletion: " + d + " (repository " + repo + ")"));
                manifestsDeleted += doomed.size();
                return List.of();
            }
            List<Digest> survivors = new ArrayList<>();
            try (Fences fences = new Fences()) {
                for (Digest d : doomed) {
                    if (!fences.take(d)) {
                        survivors.add(d);
                    }
                }
                // Re-read under the fences: a push that touched, tagged or re-linked one of them since the mark keeps it.
                Map<Digest, Instant> now = new HashMap<>();
                for (LinkRecord r : storage.manifestRevisionLinks(repo)) {
                    now.put(r.digest(), r.linked());
                }
                Set<Digest> taggedNow = tagged(repo);
                for (Digest d : fences.held()) {
                    Instant linked = now.get(d);
                    if (linked == null) {
                        continue;
                    }
                    if (taggedNow.contains(d) || linked.isAfter(cutoff) || !fences.stillValid(d)) {
                        survivors.add(d);
                        continue;
                    }
                    keepLock();
                    if (storage.deleteManifest(repo, d, refs(repo, d, refs).subject())) {
                        manifestsDeleted++;
                        events.accept("manifest deleted: " + d + " (repository " + repo + ")");
                    }
                }
            }
            return survivors;
        }

        // ---- sweep ---------------------------------------------------------------------------------------------

        private void sweep() throws IOException {
            List<BlobRecord> candidates = new ArrayList<>();
            for (BlobRecord b : storage.allBlobs()) {
                if (marked.contains(b.digest())) {
                    continue;
                }
                if (b.written().isAfter(cutoff)) {
                    keptByGrace++;
                } else {
                    candidates.add(b);
                }
            }
            if (options.dryRun()) {
                for (BlobRecord b : candidates) {
                    events.accept("blob eligible for deletion: " + b.digest());
                    blobsDeleted++;
                    bytesFreed += b.size();
                }
                return;
            }
            // In batches, so that fences are held briefly and well within their lifetime on large storages.
            for (int from = 0; from < candidates.size(); from += FENCE_BATCH) {
                sweepBatch(candidates.subList(from, Math.min(candidates.size(), from + FENCE_BATCH)));
            }
            removeDanglingLinks();
        }

        private void sweepBatch(List<BlobRecord> batch) throws IOException {
            try (Fences fences = new Fences()) {
                Map<Digest, Long> sizes = new HashMap<>();
                for (BlobRecord b : batch) {
                    if (fences.take(b.digest())) {
                        sizes.put(b.digest(), b.size());
                    }
                }
                if (sizes.isEmpty()) {
                    return;
                }
                // Re-check right before deleting, under the fences: what is there now, not what the mark saw.
                Snapshot now = snapshot();
                for (Digest d : fences.held()) {
                    Instant written = now.content.get(d);
                    if (written == null) {
                        continue;
                    }
                    if (written.isAfter(cutoff) || now.linkedAfter(d, cutoff)) {
                        keptByGrace++;
                        continue;
                    }
                    if (now.revisions.contains(d) || !fences.stillValid(d)) {
                        continue;
                    }
                    keepLock();
                    if (storage.deleteBlobContent(d)) {
                        blobsDeleted++;
                        bytesFreed += sizes.getOrDefault(d, 0L);
                        events.accept("blob deleted: " + d);
                        unlinkOld(now, d);
                    }
                }
            }
        }

        /**
         * Removes repository links, older than the cutoff, to content that is gone (deleted by an earlier, interrupted
         * run, or by hand), under the fences as well: an upload of that content re-links it while holding its fence.
         */
        private void removeDanglingLinks() throws IOException {
            Snapshot seen = snapshot();
            List<Digest> dangling = new ArrayList<>();
            seen.links.forEach((d, links) -> {
                if (!seen.content.containsKey(d) && links.stream().anyMatch(l -> !l.linked().isAfter(cutoff))) {
                    dangling.add(d);
                }
            });
            for (int from = 0; from < dangling.size(); from += FENCE_BATCH) {
                try (Fences fences = new Fences()) {
                    for (Digest d : dangling.subList(from, Math.min(dangling.size(), from + FENCE_BATCH))) {
                        fences.take(d);
                    }
                    Snapshot now = snapshot();
                    for (Digest d : fences.held()) {
                        if (!now.content.containsKey(d) && fences.stillValid(d)) {
                            unlinkOld(now, d);
                        }
                    }
                }
            }
        }

        /** Under {@code d}'s fence: removes the blob links to {@code d} that {@code now} saw older than the cutoff. */
        private void unlinkOld(Snapshot now, Digest d) throws IOException {
            for (RepoLink l : now.links.getOrDefault(d, List.of())) {
                if (!l.linked().isAfter(cutoff) && storage.unlinkBlob(l.repo(), d)) {
                    linksRemoved++;
                }
            }
        }

        /** Reads every blob's content time and every repository's blob links and revisions, now. */
        private Snapshot snapshot() throws IOException {
            Snapshot out = new Snapshot();
            for (BlobRecord b : storage.allBlobs()) {
                out.content.put(b.digest(), b.written());
            }
            for (RepositoryName repo : repositories()) {
                keepLock();
                for (LinkRecord r : storage.manifestRevisionLinks(repo)) {
                    out.revisions.add(r.digest());
                    out.newestLink.merge(r.digest(), r.linked(), GarbageCollector::later);
                }
                for (LinkRecord r : storage.blobLinks(repo)) {
                    out.newestLink.merge(r.digest(), r.linked(), GarbageCollector::later);
                    out.links.computeIfAbsent(r.digest(), k -> new ArrayList<>()).add(new RepoLink(repo, r.linked()));
                }
            }
            return out;
        }

        /** The fences this run holds, each with when it was taken; released on close. */
        private final class Fences implements AutoCloseable {
            private final Map<Digest, StorageLock> locks = new LinkedHashMap<>();
            private final Map<Digest, Instant> taken = new HashMap<>();

            boolean take(Digest d) throws IOException {
                Instant at = clock.instant();
                Optional<StorageLock> l = storage.tryLock(GcFence.lockName(d), FENCE_TTL);
                if (l.isEmpty()) {
                    return false; // a push is probing it right now: keep it this time
                }
                locks.put(d, l.get());
                taken.put(d, at);
                return true;
            }

            List<Digest> held() {
                return new ArrayList<>(locks.keySet());
            }

            boolean stillValid(Digest d) {
                Instant at = taken.get(d);
                return at != null && clock.instant().isBefore(at.plus(FENCE_TTL).minus(FENCE_MARGIN));
            }

            @Override
            public void close() {
                for (StorageLock l : locks.values()) {
                    try {
                        l.close();
                    } catch (IOException e) {
                        LOG.warning("could not release a garbage collection fence (it expires by itself): " + e.getMessage());
                    }
                }
            }
        }
    }

    private record RepoLink(RepositoryName repo, Instant linked) {}

    /** Every repository's blob links and revisions, and every blob's content time, as read at one moment. */
    private static final class Snapshot {
        final Map<Digest, Instant> content = new HashMap<>();
        final Set<Digest> revisions = new HashSet<>();
        final Map<Digest, Instant> newestLink = new HashMap<>();
        final Map<Digest, List<RepoLink>> links = new HashMap<>();

        boolean linkedAfter(Digest d, Instant cutoff) {
            Instant t = newestLink.get(d);
            return t != null && t.isAfter(cutoff);
        }
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static void collectDigests(JsonNode node, Set<Digest> out) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            String t = node.textValue();
            if (Digest.looksLikeDigest(t)) {
                try {
                    out.add(Digest.parse(t));
                } catch (RegistryException notADigest) {
                    // Looked like one, is not.
                }
            }
            return;
        }
        for (JsonNode child : node) {
            collectDigests(child, out);
        }
    }
}
