package dev.portcullis.registry.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.BlobRecord;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.storage.StoredManifest;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection in a loop, with a short grace period, while several clients push and pull: images are pushed
 * the way real clients do (HEAD each blob, upload only what is missing, then the manifest), layers are shared between
 * pushes and between repositories so that blobs keep becoming unreferenced and referenced again, tags move so that
 * manifests become untagged, and orphan blobs are left behind. The collector runs on its own storage instance, as the
 * operator's CronJob does on the same volume. Afterwards every tagged image pulls and verifies, and every blob older
 * than the grace period that nothing references is gone.
 */
class ConcurrentCollectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final int WRITERS = 4;
    private static final int POOL = 24;
    private static final long RUN_MILLIS = 12_000;
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dir;

    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> tagged = new ConcurrentHashMap<>(); // "repo:tag" -> manifest digest
    private final Set<String> orphans = ConcurrentHashMap.newKeySet();
    private final AtomicInteger pushes = new AtomicInteger();
    private final AtomicInteger pulls = new AtomicInteger();
    private final AtomicInteger refusedAndRetried = new AtomicInteger();

    @Test
    void collectingInALoopWhileClientsPushAndPullLosesNothingAndFreesTheRest() throws Exception {
        try (RunningRegistry registry = RunningRegistry.start(dir)) {
            RegistryHttp http = new RegistryHttp(registry.url());
            DriverRegistryStorage collectorStorage = new DriverRegistryStorage(new FilesystemDriver(registry.storageRoot()));
            AtomicBoolean stop = new AtomicBoolean();
            List<GcResult> runs = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int id = w;
                    writers.add(pool.submit(() -> {
                        writer(http, id, stop);
                        return null;
                    }));
                }
                Future<?> collector = pool.submit(() -> {
                    int n = 0;
                    while (!stop.get()) {
                        boolean untagged = n++ % 2 == 0;
                        new GarbageCollector(collectorStorage, new GarbageCollector.Options(GRACE, untagged, false),
                                e -> { }).run().ifPresent(runs::add);
                        Thread.sleep(100);
                    }
                    return null;
                });
                Thread.sleep(RUN_MILLIS);
                stop.set(true);
                for (Future<?> f : writers) {
                    f.get();
                }
                collector.get();
            } finally {
                pool.shutdownNow();
            }

            assertTrue(failures.isEmpty(), failures.size() + " client failures, first: "
                    + failures.subList(0, Math.min(5, failures.size())));
            assertTrue(pushes.get() > 20, "clients pushed " + pushes.get() + " images");
            assertTrue(runs.size() > 3, "the collector ran " + runs.size() + " times");
            long freed = runs.stream().mapToLong(GcResult::blobsDeleted).sum();
            long untaggedRemoved = runs.stream().mapToLong(GcResult::manifestsDeleted).sum();
            assertTrue(freed > 0 && untaggedRemoved > 0, "the collector freed " + freed + " blobs and removed "
                    + untaggedRemoved + " manifests while the clients worked");

            // Every tag still pulls, whole.
            for (Map.Entry<String, String> e : tagged.entrySet()) {
                String[] repoTag = e.getKey().split(":");
                String problem = pull(http, repoTag[0], repoTag[1], e.getValue());
                assertEquals(null, problem, e.getKey());
            }

            // Once the grace period has passed, one more run leaves only what some manifest references.
            Thread.sleep(GRACE.toMillis() + 1100);
            GcResult last = new GarbageCollector(collectorStorage, new GarbageCollector.Options(GRACE, false, false),
                    e -> { }).run().orElseThrow();
            Set<Digest> referenced = referenced(collectorStorage);
            for (BlobRecord b : collectorStorage.allBlobs()) {
                assertTrue(referenced.contains(b.digest()), "unreferenced blob " + b.digest() + " survived " + last.line());
            }
            for (String orphan : orphans) {
                assertTrue(collectorStorage.blobFile(Digest.parse(orphan)).isEmpty(), "orphan " + orphan + " is gone");
            }
            for (Map.Entry<String, String> e : tagged.entrySet()) {
                String[] repoTag = e.getKey().split(":");
                assertEquals(null, pull(http, repoTag[0], repoTag[1], e.getValue()), e.getKey() + " after the last run");
            }
            System.out.println("concurrent collection: " + pushes.get() + " pushes, " + pulls.get() + " pulls, "
                    + refusedAndRetried.get() + " manifest pushes refused (blob collected meanwhile) and retried, "
                    + runs.size() + " collections freeing " + freed + " blobs and " + untaggedRemoved
                    + " untagged manifests; last: " + last.line());
        }
    }

    private void writer(RegistryHttp http, int id, AtomicBoolean stop) {
        Random random = new Random(id);
        int round = 0;
        while (!stop.get()) {
            round++;
            String repo = random.nextBoolean() ? "gc/shared" : "gc/w" + id;
            String tag = "w" + id + "-t" + (round % 3);
            try {
                if (round % 5 == 0) {
                    byte[] orphan = ("orphan " + id + " " + round + " " + random.nextLong()).getBytes(StandardCharsets.UTF_8);
                    orphans.add(http.pushBlob(repo, orphan));
                }
                // Layers from a small pool (shared across writers and repositories, so often collected and pushed
                // again) plus one of the writer's own.
                List<byte[]> layers = List.of(poolLayer(random.nextInt(POOL)),
                        ("own layer " + id + " " + round).getBytes(StandardCharsets.UTF_8));
                byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":\"" + random.nextInt(3) + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                String digest = pushImage(http, repo, tag, config, layers);
                tagged.put(repo + ":" + tag, digest);
                pushes.incrementAndGet();
                String problem = pull(http, repo, tag, digest);
                if (problem != null) {
                    failures.add("pull right after push: " + problem);
                }
                // And an earlier tag of this writer, which only this writer moves.
                String other = "w" + id + "-t" + random.nextInt(3);
                for (String r : List.of("gc/shared", "gc/w" + id)) {
                    String expected = tagged.get(r + ":" + other);
                    if (expected != null) {
                        problem = pull(http, r, other, expected);
                        if (problem != null) {
                            failures.add("pull of an earlier tag: " + problem);
                        }
                    }
                }
            } catch (Exception | AssertionError e) {
                failures.add("writer " + id + " round " + round + ": " + e);
            }
        }
    }

    private static byte[] poolLayer(int n) {
        byte[] b = new byte[32 * 1024 + n];
        new Random(1000 + n).nextBytes(b);
        return b;
    }

    /** As a real client: skip blobs the registry says it has; retry when the manifest is refused for a missing blob. */
    private String pushImage(RegistryHttp http, String repo, String tag, byte[] config, List<byte[]> layers)
            throws Exception {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":"
                + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + RegistryHttp.sha256(config)
                + "\",\"size\":" + config.length + "},\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"")
                    .append(RegistryHttp.sha256(layers.get(i))).append("\",\"size\":").append(layers.get(i).length).append("}");
        }
        byte[] manifest = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        List<byte[]> blobs = new ArrayList<>(layers);
        blobs.add(config);
        for (int attempt = 0; attempt < 5; attempt++) {
            for (byte[] blob : blobs) {
                String d = RegistryHttp.sha256(blob);
                if (http.head("/v2/" + repo + "/blobs/" + d).statusCode() != 200) {
                    http.pushBlob(repo, blob);
                }
            }
            HttpResponse<byte[]> r = http.putManifest(repo, tag, MANIFEST, manifest);
            if (r.statusCode() == 201) {
                return RegistryHttp.sha256(manifest);
            }
            if (!"MANIFEST_BLOB_UNKNOWN".equals(RegistryHttp.errorCode(r))) {
                throw new AssertionError("manifest push answered " + r.statusCode() + ": " + new String(r.body()));
            }
            // A blob the HEAD saw was collected before the manifest came: what a client sees as a failed push.
            refusedAndRetried.incrementAndGet();
        }
        throw new AssertionError("manifest push kept being refused");
    }

    /** Pulls repo:tag and verifies every digest; null when all is well, else what went wrong. */
    private String pull(RegistryHttp http, String repo, String tag, String expected) throws Exception {
        pulls.incrementAndGet();
        HttpResponse<byte[]> m = http.get("/v2/" + repo + "/manifests/" + tag, "Accept", MANIFEST);
        if (m.statusCode() != 200) {
            return repo + ":" + tag + " manifest answered " + m.statusCode();
        }
        if (!RegistryHttp.sha256(m.body()).equals(expected)) {
            return repo + ":" + tag + " is " + RegistryHttp.sha256(m.body()) + ", expected " + expected;
        }
        JsonNode n = JSON.readTree(m.body());
        List<String> blobs = new ArrayList<>();
        blobs.add(n.path("config").path("digest").asText());
        n.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        for (String d : blobs) {
            HttpResponse<byte[]> b = http.get("/v2/" + repo + "/blobs/" + d);
            if (b.statusCode() != 200) {
                return repo + ":" + tag + " blob " + d + " answered " + b.statusCode();
            }
            if (!RegistryHttp.sha256(b.body()).equals(d)) {
                return repo + ":" + tag + " blob " + d + " has the wrong content";
            }
        }
        return null;
    }

    /** Every digest some stored manifest is or references, computed independently of the collector. */
    private static Set<Digest> referenced(DriverRegistryStorage storage) throws Exception {
        Set<Digest> out = new HashSet<>();
        for (String name : storage.repositories()) {
            RepositoryName repo = new RepositoryName(name);
            for (Digest d : storage.manifestRevisions(repo)) {
                out.add(d);
                StoredManifest m = storage.manifest(repo, d).orElseThrow();
                JsonNode n = JSON.readTree(m.content());
                out.add(Digest.parse(n.path("config").path("digest").asText()));
                n.path("layers").forEach(l -> out.add(Digest.parse(l.path("digest").asText())));
            }
        }
        assertFalse(out.isEmpty());
        return out;
    }
}
