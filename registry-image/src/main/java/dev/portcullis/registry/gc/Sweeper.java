package dev.portcullis.registry.gc;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.storage.BlobRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The sweep phase: blob content that is unmarked and was written before the cutoff is a candidate. For each batch of
 * candidates the sweeper takes their fences, re-reads the storage ({@link StorageSnapshot}) and deletes only what is
 * still unreferenced, not a revision anywhere, and neither written nor linked (nor touched by a manifest push) after
 * the cutoff; then removes the links left dangling.
 */
final class Sweeper {
    private final RegistryStorage storage;
    private final boolean dryRun;
    private final Instant cutoff;
    private final CollectorLock lock;
    private final GcTally tally;
    private final Consumer<String> events;
    private final Clock clock;

    Sweeper(RegistryStorage storage, boolean dryRun, Instant cutoff, CollectorLock lock, GcTally tally,
            Consumer<String> events, Clock clock) {
        this.storage = storage;
        this.dryRun = dryRun;
        this.cutoff = cutoff;
        this.lock = lock;
        this.tally = tally;
        this.events = events;
        this.clock = clock;
    }

    void sweep(Set<Digest> marked) throws IOException {
        List<BlobRecord> candidates = new ArrayList<>();
        for (BlobRecord b : storage.allBlobs()) {
            if (marked.contains(b.digest())) {
                continue;
            }
            if (b.written().isAfter(cutoff)) {
                tally.keptByGrace++;
            } else {
                candidates.add(b);
            }
        }
        if (dryRun) {
            for (BlobRecord b : candidates) {
                events.accept("blob eligible for deletion: " + b.digest());
                tally.blobsDeleted++;
                tally.bytesFreed += b.size();
            }
            return;
        }
        // In batches, so that fences are held briefly and well within their lifetime on large storages.
        for (int from = 0; from < candidates.size(); from += GcFences.BATCH) {
            sweepBatch(candidates.subList(from, Math.min(candidates.size(), from + GcFences.BATCH)));
        }
        removeDanglingLinks();
    }

    private void sweepBatch(List<BlobRecord> batch) throws IOException {
        try (GcFences fences = new GcFences(storage, clock)) {
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
            StorageSnapshot now = StorageSnapshot.read(storage, lock);
            for (Digest d : fences.held()) {
                Instant written = now.content.get(d);
                if (written == null) {
                    continue;
                }
                if (written.isAfter(cutoff) || now.linkedAfter(d, cutoff)) {
                    tally.keptByGrace++;
                    continue;
                }
                if (now.revisions.contains(d) || !fences.stillValid(d)) {
                    continue;
                }
                lock.keep();
                if (storage.deleteBlobContent(d)) {
                    tally.blobsDeleted++;
                    tally.bytesFreed += sizes.getOrDefault(d, 0L);
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
        StorageSnapshot seen = StorageSnapshot.read(storage, lock);
        List<Digest> dangling = new ArrayList<>();
        seen.links.forEach((d, links) -> {
            if (!seen.content.containsKey(d) && links.stream().anyMatch(l -> !l.linked().isAfter(cutoff))) {
                dangling.add(d);
            }
        });
        for (int from = 0; from < dangling.size(); from += GcFences.BATCH) {
            try (GcFences fences = new GcFences(storage, clock)) {
                for (Digest d : dangling.subList(from, Math.min(dangling.size(), from + GcFences.BATCH))) {
                    fences.take(d);
                }
                StorageSnapshot now = StorageSnapshot.read(storage, lock);
                for (Digest d : fences.held()) {
                    if (!now.content.containsKey(d) && fences.stillValid(d)) {
                        unlinkOld(now, d);
                    }
                }
            }
        }
    }

    /** Under {@code d}'s fence: removes the blob links to {@code d} that {@code now} saw older than the cutoff. */
    private void unlinkOld(StorageSnapshot now, Digest d) throws IOException {
        for (StorageSnapshot.RepoLink l : now.links.getOrDefault(d, List.of())) {
            if (!l.linked().isAfter(cutoff) && storage.unlinkBlob(l.repo(), d)) {
                tally.linksRemoved++;
            }
        }
    }
}
