package dev.portcullis.registry.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.MediaTypes;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every storage driver promises the protocol layer and the garbage collector. A driver passes when a subclass
 * that builds it passes. {@link #replica()} is a second instance on the same storage, as another registry pod has.
 */
public abstract class RegistryStorageContract {
    protected static final int MIB = 1024 * 1024;

    /** A fresh, empty storage for one test. */
    protected abstract RegistryStorage newStorage() throws Exception;

    /** Another instance on the storage {@link #newStorage()} made last: what a second replica sees. */
    protected abstract RegistryStorage replica() throws Exception;

    protected RegistryStorage storage;
    private final RepositoryName repo = RepositoryName.parse("contract/app");

    @BeforeEach
    void freshStorage() throws Exception {
        storage = newStorage();
    }

    protected static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static Digest push(RegistryStorage s, RepositoryName repo, byte[] content) throws IOException {
        UploadState u = s.startUpload(repo);
        s.appendToUpload(repo, u.id(), 0, content.length, new ByteArrayInputStream(content));
        Digest d = Digest.sha256(content);
        assertEquals(content.length, s.commitUpload(repo, u.id(), d));
        return d;
    }

    public static byte[] read(RegistryStorage s, Digest d, long offset) throws IOException {
        try (InputStream in = s.openBlob(d, offset)) {
            return in.readAllBytes();
        }
    }

    private static StoredManifest manifest(String text) {
        byte[] content = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"x\":\"" + text + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return new StoredManifest(Digest.sha256(content), MediaTypes.OCI_MANIFEST, content);
    }

    // ---- blobs and uploads --------------------------------------------------------------------------------------

    @Test
    void monolithicUploadBecomesAVisibleBlob() throws Exception {
        byte[] content = "hello, storage".getBytes(StandardCharsets.UTF_8);
        Digest d = push(storage, repo, content);
        assertEquals(Optional.of((long) content.length), storage.blobSize(repo, d));
        assertArrayEquals(content, read(storage, d, 0));
        assertArrayEquals(Arrays.copyOfRange(content, 7, content.length), read(storage, d, 7));
        assertEquals(Optional.empty(), storage.blobSize(RepositoryName.parse("contract/other"), d));
        assertEquals(Optional.of((long) content.length), replica().blobSize(repo, d));
    }

    @Test
    void emptyBlob() throws Exception {
        Digest d = push(storage, repo, new byte[0]);
        assertEquals(Optional.of(0L), storage.blobSize(repo, d));
        assertArrayEquals(new byte[0], read(storage, d, 0));
    }

    @Test
    void chunkedUploadAcrossPartsAndReplicas() throws Exception {
        // Chunks that straddle the S3 part size (5 MiB in the tests) in every way: smaller, exact, larger.
        byte[] content = random(13 * MIB + 12345, 1);
        int[] cuts = {0, 3 * MIB, 5 * MIB, 5 * MIB + 1, 11 * MIB, content.length};
        RegistryStorage other = replica();
        UploadState u = storage.startUpload(repo);
        for (int i = 0; i + 1 < cuts.length; i++) {
            RegistryStorage s = i % 2 == 0 ? storage : other;
            UploadState st = s.appendToUpload(repo, u.id(), cuts[i], cuts[i + 1] - cuts[i],
                    new ByteArrayInputStream(content, cuts[i], cuts[i + 1] - cuts[i]));
            assertEquals(cuts[i + 1], st.offset());
            assertEquals(cuts[i + 1], (i % 2 == 0 ? other : storage).upload(repo, u.id()).orElseThrow().offset());
        }
        Digest d = Digest.sha256(content);
        assertEquals(content.length, other.commitUpload(repo, u.id(), d));
        assertEquals(Optional.of((long) content.length), storage.blobSize(repo, d));
        assertArrayEquals(content, read(storage, d, 0));
        assertArrayEquals(Arrays.copyOfRange(content, 6 * MIB, content.length), read(other, d, 6 * MIB));
        assertEquals(Optional.empty(), storage.upload(repo, u.id()));
    }

    @Test
    void wrongOffsetAndWrongLengthLeaveTheUploadAsItWas() throws Exception {
        UploadState u = storage.startUpload(repo);
        storage.appendToUpload(repo, u.id(), 0, 3, new ByteArrayInputStream("abc".getBytes()));
        RegistryException e = assertThrows(RegistryException.class, () ->
                storage.appendToUpload(repo, u.id(), 1, 3, new ByteArrayInputStream("def".getBytes())));
        assertEquals(416, e.status());
        assertThrows(RegistryException.class, () ->
                storage.appendToUpload(repo, u.id(), 3, 10, new ByteArrayInputStream("def".getBytes())));
        assertEquals(3, storage.upload(repo, u.id()).orElseThrow().offset());
        storage.appendToUpload(repo, u.id(), 3, 3, new ByteArrayInputStream("def".getBytes()));
        Digest d = Digest.sha256("abcdef".getBytes());
        assertEquals(6, storage.commitUpload(repo, u.id(), d));
        assertArrayEquals("abcdef".getBytes(), read(storage, d, 0));
    }

    @Test
    void brokenChunkLeavesTheUploadAsItWas() throws Exception {
        UploadState u = storage.startUpload(repo);
        storage.appendToUpload(repo, u.id(), 0, -1, new ByteArrayInputStream("abc".getBytes()));
        InputStream breaking = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 6 * MIB) {
                    throw new IOException("client went away");
                }
                return 'x';
            }
        };
        assertThrows(IOException.class, () -> storage.appendToUpload(repo, u.id(), 3, -1, breaking));
        assertEquals(3, storage.upload(repo, u.id()).orElseThrow().offset());
        storage.appendToUpload(repo, u.id(), 3, -1, new ByteArrayInputStream("def".getBytes()));
        Digest d = Digest.sha256("abcdef".getBytes());
        storage.commitUpload(repo, u.id(), d);
        assertArrayEquals("abcdef".getBytes(), read(storage, d, 0));
    }

    @Test
    void wrongDigestMakesNothingVisible() throws Exception {
        UploadState u = storage.startUpload(repo);
        byte[] content = random(6 * MIB, 2);
        storage.appendToUpload(repo, u.id(), 0, -1, new ByteArrayInputStream(content));
        Digest wrong = Digest.sha256("other".getBytes());
        RegistryException e = assertThrows(RegistryException.class, () -> storage.commitUpload(repo, u.id(), wrong));
        assertEquals("DIGEST_INVALID", e.code().name());
        assertEquals(Optional.empty(), storage.blobSize(repo, wrong));
        assertEquals(Optional.empty(), storage.blobSize(repo, Digest.sha256(content)));
        assertTrue(storage.allBlobs().isEmpty(), "no blob content written: " + storage.allBlobs());
        assertTrue(storage.cancelUpload(repo, u.id()));
    }

    @Test
    void sha512Digests() throws Exception {
        byte[] content = random(7 * MIB, 3);
        UploadState u = storage.startUpload(repo);
        storage.appendToUpload(repo, u.id(), 0, -1, new ByteArrayInputStream(content));
        Digest d = Digest.of(Digest.Algorithm.SHA512, content);
        assertEquals(content.length, storage.commitUpload(repo, u.id(), d));
        assertArrayEquals(content, read(storage, d, 0));
    }

    @Test
    void cancelledUploadIsGone() throws Exception {
        UploadState u = storage.startUpload(repo);
        storage.appendToUpload(repo, u.id(), 0, -1, new ByteArrayInputStream(random(6 * MIB, 4)));
        assertEquals(1, storage.uploads(repo).size());
        assertTrue(replica().cancelUpload(repo, u.id()));
        assertEquals(Optional.empty(), storage.upload(repo, u.id()));
        assertFalse(storage.cancelUpload(repo, u.id()));
        assertTrue(storage.uploads(repo).isEmpty());
        RegistryException e = assertThrows(RegistryException.class, () ->
                storage.appendToUpload(repo, u.id(), -1, -1, new ByteArrayInputStream(new byte[1])));
        assertEquals("BLOB_UPLOAD_UNKNOWN", e.code().name());
    }

    @Test
    void invalidUploadIdsAreUnknown() {
        RegistryException e = assertThrows(RegistryException.class, () -> storage.upload(repo, "../../etc"));
        assertEquals("BLOB_UPLOAD_UNKNOWN", e.code().name());
    }

    @Test
    void mountAndUnlink() throws Exception {
        Digest d = push(storage, repo, "shared layer".getBytes());
        RepositoryName to = RepositoryName.parse("contract/mounted");
        assertTrue(storage.mountBlob(repo, to, d));
        assertFalse(storage.mountBlob(RepositoryName.parse("contract/none"), to, Digest.sha256("x".getBytes())));
        assertEquals(Optional.of(12L), storage.blobSize(to, d));
        assertTrue(storage.unlinkBlob(to, d));
        assertFalse(storage.unlinkBlob(to, d));
        assertEquals(Optional.empty(), storage.blobSize(to, d));
        assertEquals(Optional.of(12L), storage.blobSize(repo, d));
    }

    @Test
    void pushingTheSameBlobTwiceIsFine() throws Exception {
        byte[] content = random(6 * MIB, 5);
        Digest d = push(storage, repo, content);
        assertEquals(d, push(replica(), RepositoryName.parse("contract/again"), content));
        assertArrayEquals(content, read(storage, d, 0));
    }

    // ---- manifests, tags, referrers ------------------------------------------------------------------------------

    @Test
    void manifestsTagsAndReferrers() throws Exception {
        StoredManifest m = manifest("one");
        StoredManifest ref = manifest("signature");
        storage.putManifest(repo, m, List.of("v1", "latest"), Optional.empty());
        storage.putManifest(repo, ref, List.of(), Optional.of(m.digest()));
        RegistryStorage other = replica();
        StoredManifest got = other.manifest(repo, m.digest()).orElseThrow();
        assertArrayEquals(m.content(), got.content());
        assertEquals(MediaTypes.OCI_MANIFEST, got.mediaType());
        assertEquals(Optional.of(m.digest()), other.resolveTag(repo, "v1"));
        assertEquals(Optional.of(List.of("latest", "v1")), other.tags(repo));
        assertEquals(List.of(ref.digest()), other.referrers(repo, m.digest()));
        assertEquals(Optional.empty(), other.tags(RepositoryName.parse("contract/unknown")));
        assertTrue(storage.repositoryExists(repo));
        assertFalse(storage.repositoryExists(RepositoryName.parse("contract/unknown")));

        StoredManifest m2 = manifest("two");
        storage.putManifest(repo, m2, List.of("latest"), Optional.empty());
        assertEquals(Optional.of(m2.digest()), other.resolveTag(repo, "latest"));

        assertTrue(storage.deleteTag(repo, "latest"));
        assertFalse(storage.deleteTag(repo, "latest"));
        assertEquals(Optional.of(List.of("v1")), storage.tags(repo));

        assertTrue(storage.deleteManifest(repo, ref.digest(), Optional.of(m.digest())));
        assertEquals(List.of(), storage.referrers(repo, m.digest()));
        assertTrue(storage.deleteManifest(repo, m.digest(), Optional.empty()));
        assertFalse(storage.deleteManifest(repo, m.digest(), Optional.empty()));
        assertEquals(Optional.empty(), storage.manifest(repo, m.digest()));
        assertEquals(Optional.empty(), storage.resolveTag(repo, "v1"));
        assertEquals(Optional.of(List.of()), storage.tags(repo));
    }

    @Test
    void repositoriesAreListedInOrder() throws Exception {
        for (String name : List.of("zeta", "alpha/beta", "alpha", "alpha/beta/gamma", "m-1")) {
            storage.putManifest(RepositoryName.parse(name), manifest(name), List.of("t"), Optional.empty());
        }
        push(storage, RepositoryName.parse("layers-only"), "x".getBytes());
        assertEquals(List.of("alpha", "alpha/beta", "alpha/beta/gamma", "layers-only", "m-1", "zeta"),
                replica().repositories());
    }

    // ---- enumeration, for the garbage collector ------------------------------------------------------------------

    @Test
    void enumerationForGarbageCollection() throws Exception {
        Digest layer = push(storage, repo, "layer".getBytes());
        StoredManifest m = manifest("gc");
        storage.putManifest(repo, m, List.of("t"), Optional.empty());
        UploadState open = storage.startUpload(repo);

        List<BlobRecord> blobs = replica().allBlobs();
        assertEquals(List.of(layer, m.digest()).stream().sorted().toList(),
                blobs.stream().map(BlobRecord::digest).sorted().toList());
        assertEquals(5, blobs.stream().filter(b -> b.digest().equals(layer)).findFirst().orElseThrow().size());
        assertEquals(List.of(m.digest()), storage.manifestRevisions(repo));
        assertEquals(List.of(layer), storage.blobLinks(repo).stream().map(LinkRecord::digest).toList());
        assertEquals(List.of(open.id()), storage.uploads(repo).stream().map(UploadState::id).toList());

        assertTrue(storage.unlinkBlob(repo, layer));
        assertTrue(storage.deleteBlobContent(layer));
        assertFalse(storage.deleteBlobContent(layer));
        assertEquals(List.of(m.digest()), storage.allBlobs().stream().map(BlobRecord::digest).toList());
    }

    // ---- locks and health ----------------------------------------------------------------------------------------

    @Test
    void oneLockHolderAcrossReplicas() throws Exception {
        RegistryStorage other = replica();
        Optional<StorageLock> held = storage.tryLock("gc", Duration.ofMinutes(5));
        assertTrue(held.isPresent());
        assertTrue(other.tryLock("gc", Duration.ofMinutes(5)).isEmpty());
        assertTrue(held.get().renew());
        held.get().close();
        Optional<StorageLock> next = other.tryLock("gc", Duration.ofMinutes(5));
        assertTrue(next.isPresent());
        next.get().close();
    }

    /** Racing rounds per lock test: enough to hit the narrow windows of a non-atomic lock on a loaded machine. */
    protected int lockRaceRounds() {
        return 300;
    }

    /**
     * Registry replicas (separate processes on one volume or bucket) start their collectors at the same moment, as
     * the CronJob and every replica's maintenance timer may: each round, eight racers on four replicas try for a free
     * lock and exactly one may get it.
     */
    @Test
    void replicasRacingForTheLockGetOneHolder() throws Exception {
        List<RegistryStorage> replicas = List.of(storage, replica(), replica(), replica());
        for (int round = 0; round < lockRaceRounds(); round++) {
            List<StorageLock> holders = race(replicas, "race-" + round, Duration.ofMinutes(5));
            assertEquals(1, holders.size(), "exactly one replica holds the lock in round " + round);
            holders.get(0).close();
        }
    }

    /**
     * A collector that died holding the lock leaves it behind until it expires; then every replica's next attempt
     * races to take it over, and still exactly one may win.
     */
    @Test
    void replicasRacingForAnExpiredLockGetOneHolder() throws Exception {
        List<RegistryStorage> replicas = List.of(storage, replica(), replica(), replica());
        for (int round = 0; round < lockRaceRounds(); round++) {
            String name = "expired-" + round;
            Optional<StorageLock> crashed = storage.tryLock(name, Duration.ofMillis(1));
            assertTrue(crashed.isPresent());
            Thread.sleep(3);
            List<StorageLock> holders = race(replicas, name, Duration.ofMinutes(5));
            assertEquals(1, holders.size(), "exactly one replica takes over the expired lock in round " + round);
            assertFalse(crashed.get().renew(), "the crashed holder lost it");
            holders.get(0).close();
        }
    }

    private static List<StorageLock> race(List<RegistryStorage> replicas, String name, Duration ttl) throws Exception {
        int racers = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(racers);
        try {
            java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(racers);
            List<java.util.concurrent.Future<Optional<StorageLock>>> attempts = new java.util.ArrayList<>();
            for (int i = 0; i < racers; i++) {
                RegistryStorage s = replicas.get(i % replicas.size());
                attempts.add(pool.submit(() -> {
                    go.await();
                    return s.tryLock(name, ttl);
                }));
            }
            List<StorageLock> held = new java.util.ArrayList<>();
            for (var f : attempts) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS).ifPresent(held::add);
            }
            return held;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExpiredLockIsTakenOver() throws Exception {
        Optional<StorageLock> crashed = storage.tryLock("gc", Duration.ofMillis(1));
        assertTrue(crashed.isPresent());
        Thread.sleep(50);
        Optional<StorageLock> taken = replica().tryLock("gc", Duration.ofMinutes(5));
        assertTrue(taken.isPresent());
        assertFalse(crashed.get().renew(), "the old holder learns it lost the lock");
        crashed.get().close();
        assertTrue(storage.tryLock("gc", Duration.ofMinutes(5)).isEmpty(), "closing a lost lock releases nothing");
        taken.get().close();
    }

    @Test
    void healthCheckPasses() throws Exception {
        storage.healthCheck();
    }
}
