package dev.portcullis.registry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many clients pushing the same blob, or different manifests to the same tag, at the same moment. */
class ConcurrentPushTest {
    @TempDir
    Path dir;

    @Test
    void sameBlobPushedByManyClientsIsStoredOnceAndIntact() throws Exception {
        byte[] content = new byte[8 * 1024 * 1024];
        new java.util.Random(3).nextBytes(content);
        try (RunningRegistry registry = RunningRegistry.start(dir)) {
            RegistryHttp http = new RegistryHttp(registry.url());
            List<String> digests = runConcurrently(12, i -> http.pushBlob(i % 2 == 0 ? "race/a" : "race/b", content));
            assertEquals(1, new HashSet<>(digests).size());
            String digest = digests.get(0);
            for (String repo : List.of("race/a", "race/b")) {
                HttpResponse<byte[]> r = http.get("/v2/" + repo + "/blobs/" + digest);
                assertEquals(200, r.statusCode());
                assertEquals(digest, RegistryHttp.sha256(r.body()));
            }
        }
    }

    @Test
    void concurrentTagUpdatesLeaveTheTagOnOneOfTheManifests() throws Exception {
        try (RunningRegistry registry = RunningRegistry.start(dir)) {
            RegistryHttp http = new RegistryHttp(registry.url());
            List<String> pushed = runConcurrently(10, i -> RegistryHttp.sha256(
                    http.pushImage("race/tag", "latest", ("layer " + i).getBytes())));
            HttpResponse<byte[]> r = http.get("/v2/race/tag/manifests/latest",
                    "Accept", "application/vnd.oci.image.manifest.v1+json");
            assertEquals(200, r.statusCode());
            String served = r.headers().firstValue("Docker-Content-Digest").orElseThrow();
            assertTrue(pushed.contains(served), "the tag points at a manifest somebody pushed");
            assertEquals(served, RegistryHttp.sha256(r.body()), "and its bytes are whole");
            for (String digest : pushed) {
                assertEquals(200, http.get("/v2/race/tag/manifests/" + digest).statusCode());
            }
        }
    }

    interface Push {
        String run(int i) throws Exception;
    }

    private static List<String> runConcurrently(int clients, Push push) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Callable<String>> tasks = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                tasks.add(() -> push.run(n));
            }
            List<String> out = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(tasks)) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
