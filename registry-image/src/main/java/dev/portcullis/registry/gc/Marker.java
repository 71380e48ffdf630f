package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.LinkRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.time.Clock;
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
import java.util.Set;
import java.util.function.Consumer;

/**
 * The mark phase, one repository at a time: every manifest revision, or with {@code deleteUntagged} only the tagged
 * manifests, those linked more recently than the cutoff, and what they reach (children of indexes, transitively, and
 * referrers of kept manifests). Kept manifests mark their own digest, their config and layer blobs, and their
 * children. With {@code deleteUntagged}, the other revisions older than the cutoff are deleted, under their fences.
 */
final class Marker {
    private final RegistryStorage storage;
    private final GarbageCollector.Options options;
    private final Instant cutoff;
    private final CollectorLock lock;
    private final GcTally tally;
    private final Consumer<String> events;
    private final Clock clock;
    private final Set<Digest> marked = new HashSet<>();

    Marker(RegistryStorage storage, GarbageCollector.Options options, Instant cutoff, CollectorLock lock, GcTally tally,
           Consumer<String> events, Clock clock) {
        this.storage = storage;
        this.options = options;
        this.cutoff = cutoff;
        this.lock = lock;
        this.tally = tally;
        this.events = events;
        this.clock = clock;
    }

    /** Every digest found in use so far. */
    Set<Digest> marked() {
        return marked;
    }

    void markRepository(RepositoryName repo) throws IOException {
        ManifestReferences refs = new ManifestReferences(storage, repo);
        Map<Digest, Instant> revisions = new LinkedHashMap<>();
        for (LinkRecord r : storage.manifestRevisionLinks(repo)) {
            revisions.put(r.digest(), r.linked());
        }
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
            tally.keptByGrace += young.size();
            reach(repo, young, keep, refs);
        }
        for (Digest d : keep) {
            markManifest(d, refs);
        }
        if (options.deleteUntagged()) {
            List<Digest> doomed = new ArrayList<>();
            for (Digest d : revisions.keySet()) {
                if (!keep.contains(d)) {
                    doomed.add(d);
                }
            }
            for (Digest survivor : deleteManifests(repo, doomed, refs)) {
                markManifest(survivor, refs);
            }
        }
    }

    /** Adds to keep the manifests in work and everything they reach: index children and referrers. */
    private void reach(RepositoryName repo, Deque<Digest> work, Set<Digest> keep, ManifestReferences refs)
            throws IOException {
        while (!work.isEmpty()) {
            Digest d = work.pop();
            if (!keep.add(d)) {
                continue;
            }
            work.addAll(refs.of(d).children());
            work.addAll(storage.referrers(repo, d));
        }
    }

    private void markManifest(Digest d, ManifestReferences refs) throws IOException {
        marked.add(d);
        ManifestReferences.Refs r = refs.of(d);
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

    /** Deletes the doomed revisions that are still untagged and old under their fences; returns the others. */
    private List<Digest> deleteManifests(RepositoryName repo, List<Digest> doomed, ManifestReferences refs)
            throws IOException {
        if (doomed.isEmpty()) {
            return List.of();
        }
        if (options.dryRun()) {
            doomed.forEach(d -> events.accept("manifest eligible for deletion: " + d + " (repository " + repo + ")"));
            tally.manifestsDeleted += doomed.size();
            return List.of();
        }
        List<Digest> survivors = new ArrayList<>();
        try (GcFences fences = new GcFences(storage, clock)) {
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
                lock.keep();
                if (storage.deleteManifest(repo, d, refs.of(d).subject())) {
                    tally.manifestsDeleted++;
                    events.accept("manifest deleted: " + d + " (repository " + repo + ")");
                }
            }
        }
        return survivors;
    }
}
