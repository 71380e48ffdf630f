package dev.portcullis.registry.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.storage.StorageLock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collector on a filesystem storage: what it marks, what it sweeps, and what the grace period and fences keep. */
class GarbageCollectorTest {
    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path dir;
    StorageFixture fx;
    final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        fx = new StorageFixture(dir);
    }

    private GcResult collect(boolean deleteUntagged, boolean dryRun) throws Exception {
        return new GarbageCollector(fx.storage, new GarbageCollector.Options(HOUR, deleteUntagged, dryRun), events::add)
                .run().orElseThrow();
    }

    @Test
    void unreferencedOldBlobsGoReferencedStay() throws Exception {
        Digest layer = fx.blob("app", "layer one");
        Digest image = fx.image("app", "v1", layer);
        Digest orphan = fx.blob("app", "nobody uses me");
        Digest orphanElsewhere = fx.blob("other", "nor me");
        fx.ageAll(Duration.ofHours(2));

        GcResult r = collect(false, false);

        assertTrue(fx.hasContent(layer) && fx.hasContent(image), "the tagged image stays");
        assertTrue(fx.hasManifest("app", image));
        assertFalse(fx.hasContent(orphan));
        assertFalse(fx.hasContent(orphanElsewhere));
        assertFalse(fx.linked("app", orphan), "the dangling link went with the content");
        assertTrue(fx.linked("app", layer));
        assertEquals(2, r.blobsDeleted());
        assertEquals("nobody uses me".length() + "nor me".length(), r.bytesFreed());
        assertEquals(2, r.linksRemoved());
        assertEquals(0, r.manifestsDeleted());
        assertTrue(r.line().startsWith("garbage collection: freed 2 blobs (20 bytes)"), r.line());
        assertTrue(events.contains("blob deleted: " + orphan), events.toString());
    }

    @Test
    void oldLinksToContentThatIsAlreadyGoneAreRemovedYoungOnesStay() throws Exception {
        Digest old = fx.blob("app", "content lost earlier");
        fx.ageAll(Duration.ofHours(2));
        Digest young = fx.blob("app", "content lost just now");
        fx.storage.deleteBlobContent(old);
        fx.storage.deleteBlobContent(young);

        GcResult r = collect(false, false);

        assertEquals(1, r.linksRemoved());
        assertFalse(fx.linked("app", old));
        assertTrue(fx.linked("app", young), "a link younger than the grace period may be an upload in progress");
    }

    @Test
    void withoutDeleteUntaggedEveryRevisionKeepsItsBlobs() throws Exception {
        Digest layer = fx.blob("app", "old layer");
        Digest untagged = fx.image("app", null, layer);
        fx.ageAll(Duration.ofHours(2));

        GcResult r = collect(false, false);

        assertEquals(0, r.blobsDeleted());
        assertTrue(fx.hasManifest("app", untagged));
        assertTrue(fx.hasContent(layer));
    }

    @Test
    void theGracePeriodKeepsRecentBlobsAndLinks() throws Exception {
        Digest young = fx.blob("app", "just uploaded");
        GcResult r = collect(false, false);
        assertTrue(fx.hasContent(young));
        assertEquals(0, r.blobsDeleted());
        assertEquals(1, r.keptByGrace());

        // Old content, but mounted (linked) into another repository a moment ago: still protected.
        fx.ageAll(Duration.ofHours(2));
        assertTrue(fx.storage.mountBlob(StorageFixture.repo("app"), StorageFixture.repo("copy"), young));
        collect(false, false);
        assertTrue(fx.hasContent(young));

        // Old content whose old link a manifest push has just touched (GcFence.protect): protected.
        fx.ageAll(Duration.ofHours(2));
        GcFence.protect(fx.storage, StorageFixture.repo("app"), List.of(young));
        collect(false, false);
        assertTrue(fx.hasContent(young));

        fx.ageAll(Duration.ofHours(2));
        collect(false, false);
        assertFalse(fx.hasContent(young), "once everything is older than the grace period it goes");
    }

    @Test
    void deleteUntaggedFollowsIndexesAndReferrers() throws Exception {
        Digest shared = fx.blob("app", "shared base layer");
        Digest amd = fx.blob("app", "amd64 layer");
        Digest arm = fx.blob("app", "arm64 layer");
        Digest amdImage = fx.image("app", null, shared, amd);
        Digest armImage = fx.image("app", null, shared, arm);
        Digest index = fx.index("app", "multi", amdImage, armImage);
        Digest signature = fx.referrer("app", index, fx.blob("app", "signature of the index"));
        Digest sbomOfChild = fx.referrer("app", amdImage, fx.blob("app", "sbom of amd64"));

        Digest lonely = fx.blob("app", "only in an untagged image");
        Digest untagged = fx.image("app", null, shared, lonely);
        Digest referrerOfUntagged = fx.referrer("app", untagged, fx.blob("app", "signature of the untagged one"));
        Digest tagsMoved = fx.image("app", "latest", fx.blob("app", "first latest"));
        Digest latest = fx.image("app", "latest", fx.blob("app", "second latest"));
        fx.ageAll(Duration.ofHours(2));
        Digest youngUntagged = fx.image("app", null, fx.blob("app", "pushed by digest just now"));

        GcResult r = collect(true, false);

        for (Digest kept : List.of(index, amdImage, armImage, signature, sbomOfChild, latest, youngUntagged)) {
            assertTrue(fx.hasManifest("app", kept), "kept " + kept);
            assertTrue(fx.hasContent(kept));
        }
        for (Digest gone : List.of(untagged, referrerOfUntagged, tagsMoved)) {
            assertFalse(fx.hasManifest("app", gone), "deleted " + gone);
            assertFalse(fx.hasContent(gone), "and its content " + gone);
        }
        assertEquals(3, r.manifestsDeleted());
        assertTrue(fx.hasContent(shared) && fx.hasContent(amd) && fx.hasContent(arm));
        assertFalse(fx.hasContent(lonely));
        assertTrue(fx.storage.referrers(StorageFixture.repo("app"), untagged).isEmpty(), "its referrer entry went too");
        assertEquals(Optional.of(latest), fx.storage.resolveTag(StorageFixture.repo("app"), "latest"));
    }

    @Test
    void untaggedManifestsInsideTheGracePeriodStay() throws Exception {
        Digest layer = fx.blob("app", "layer");
        Digest untagged = fx.image("app", null, layer);
        GcResult r = collect(true, false);
        assertTrue(fx.hasManifest("app", untagged));
        assertTrue(fx.hasContent(layer));
        assertEquals(0, r.manifestsDeleted());
        assertEquals(1, r.keptByGrace(), "the summary counts the untagged manifest the grace period kept");
    }

    @Test
    void theSummaryCountsEveryManifestAndBlobTheGracePeriodKept() throws Exception {
        Digest tagged = fx.image("app", "v1", fx.blob("app", "tagged layer"));
        Digest layerOfChild = fx.blob("app", "layer of a young index's child");
        Digest child = fx.image("app", null, layerOfChild);
        fx.ageAll(Duration.ofHours(2));
        Digest youngIndex = fx.index("app", null, child);
        Digest youngUntagged = fx.image("app", null, fx.blob("app", "pushed by digest just now"));
        fx.blob("app", "a young orphan");

        GcResult r = collect(true, false);

        assertTrue(fx.hasManifest("app", tagged));
        for (Digest kept : List.of(youngIndex, child, youngUntagged)) {
            assertTrue(fx.hasManifest("app", kept), "kept " + kept);
        }
        assertEquals(0, r.manifestsDeleted());
        assertEquals(3, r.keptByGrace(), "two untagged manifests younger than the cutoff and one young orphan blob;"
                + " the old child stays because the young index reaches it, not by the grace period itself");
    }

    @Test
    void aDigestAPushIsProbingIsKeptThisTime() throws Exception {
        Digest orphan = fx.blob("app", "being referenced right now");
        fx.ageAll(Duration.ofHours(2));
        try (StorageLock probing = fx.storage.tryLock(GcFence.lockName(orphan), Duration.ofMinutes(1)).orElseThrow()) {
            assertEquals(0, collect(false, false).blobsDeleted());
        }
        assertTrue(fx.hasContent(orphan));
        assertEquals(1, collect(false, false).blobsDeleted());
    }

    @Test
    void dryRunReportsAndChangesNothing() throws Exception {
        Digest orphan = fx.blob("app", "orphan");
        Digest untagged = fx.image("app", null, fx.blob("app", "untagged layer"));
        fx.ageAll(Duration.ofHours(2));

        GcResult dry = collect(true, true);

        assertTrue(dry.dryRun());
        assertEquals(1, dry.manifestsDeleted());
        assertEquals(4, dry.blobsDeleted(), "orphan, the untagged manifest, its layer and its config " + events);
        assertTrue(fx.hasContent(orphan) && fx.hasManifest("app", untagged));
        assertTrue(events.contains("blob eligible for deletion: " + orphan), events.toString());
        assertTrue(dry.line().startsWith("garbage collection (dry run): would free 4 blobs"), dry.line());

        GcResult real = collect(true, false);
        assertEquals(dry.blobsDeleted(), real.blobsDeleted(), "the dry run predicted the real one");
        assertEquals(dry.bytesFreed(), real.bytesFreed());
        assertEquals(dry.manifestsDeleted(), real.manifestsDeleted());
    }

    @Test
    void onlyOneCollectorAtATime() throws Exception {
        fx.blob("app", "orphan");
        fx.ageAll(Duration.ofHours(2));
        try (StorageLock other = fx.storage.tryLock(GarbageCollector.LOCK, Duration.ofMinutes(1)).orElseThrow()) {
            assertTrue(new GarbageCollector(fx.storage, new GarbageCollector.Options(HOUR, false, false), e -> { })
                    .run().isEmpty());
        }
        assertEquals(1, collect(false, false).blobsDeleted());
    }
}
