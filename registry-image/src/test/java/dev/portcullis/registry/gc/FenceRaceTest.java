package dev.portcullis.registry.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The race the fence closes, forced deterministically: a manifest that references an old, unreferenced blob (or is
 * itself old unreferenced content) is pushed at the worst moments of a sweep — just before the collector takes the
 * fence, and while it holds it, right before the delete. Whatever the interleaving, no stored manifest may end up
 * pointing at missing content: either the collector keeps the blob, or the push is refused.
 */
class FenceRaceTest {
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dir;
    RunningRegistry registry;
    RegistryHttp http;
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    byte[] layer = "an old layer nobody references any more".getBytes(StandardCharsets.UTF_8);
    Digest layerDigest;
    byte[] manifest;

    @BeforeEach
    void setUp() throws Exception {
        registry = RunningRegistry.start(dir);
        http = new RegistryHttp(registry.url());
        http.pushBlob("race/app", config);
        layerDigest = Digest.parse(http.pushBlob("race/app", layer));
        manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + RegistryHttp.sha256(config) + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    }

    @org.junit.jupiter.api.AfterEach
    void tearDown() {
        registry.close();
    }

    private void ageEverything() throws Exception {
        new StorageFixture(registry.storageRoot()).ageAll(Duration.ofHours(2));
    }

    private HttpResponse<byte[]> putManifest() {
        try {
            return http.putManifest("race/app", "v1", MANIFEST, manifest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The collector's view of the storage, running {@code hook} once when it calls {@code method} on {@code digest}. */
    private RegistryStorage hooked(String method, Object argument, Runnable hook) throws Exception {
        return hooked(method, a -> a.equals(argument), hook);
    }

    private RegistryStorage hooked(String method, java.util.function.Predicate<Object> argument, Runnable hook)
            throws Exception {
        DriverRegistryStorage real = new DriverRegistryStorage(new FilesystemDriver(registry.storageRoot()));
        AtomicBoolean fired = new AtomicBoolean();
        return (RegistryStorage) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RegistryStorage.class},
                (proxy, m, args) -> {
                    if (m.getName().equals(method) && args != null && argument.test(args[0])
                            && fired.compareAndSet(false, true)) {
                        hook.run();
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private GcResult collect(RegistryStorage storage) throws Exception {
        return new GarbageCollector(storage, new GarbageCollector.Options(Duration.ofHours(1), false, false), e -> { })
                .run().orElseThrow();
    }

    private void assertPullsWhole() throws Exception {
        HttpResponse<byte[]> m = http.get("/v2/race/app/manifests/v1", "Accept", MANIFEST);
        assertEquals(200, m.statusCode());
        HttpResponse<byte[]> b = http.get("/v2/race/app/blobs/" + layerDigest);
        assertEquals(200, b.statusCode(), "the layer of a stored manifest is there");
        assertEquals(layerDigest.toString(), RegistryHttp.sha256(b.body()));
    }

    @Test
    void aPushJustBeforeTheCollectorTakesTheFenceKeepsTheBlob() throws Exception {
        ageEverything();
        CompletableFuture<HttpResponse<byte[]>> push = new CompletableFuture<>();
        // Right before the collector takes its first fence (the config is a candidate too).
        RegistryStorage storage = hooked("tryLock", name -> name.toString().startsWith("blob-"),
                () -> push.complete(putManifest()));

        collect(storage);

        assertEquals(201, push.get().statusCode(), "the push went through before the fence was taken");
        assertPullsWhole();
    }

    @Test
    void aPushWhileTheCollectorHoldsTheFenceIsRefusedNotCorrupted() throws Exception {
        ageEverything();
        CompletableFuture<HttpResponse<byte[]>> push = new CompletableFuture<>();
        RegistryStorage storage = hooked("deleteBlobContent", layerDigest, () -> {
            CompletableFuture.runAsync(() -> push.complete(putManifest()));
            try {
                Thread.sleep(500); // the push touches the link and waits on the fence meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertFalse(push.isDone(), "the push waits for the collector to release the fence");
        });

        GcResult r = collect(storage);

        HttpResponse<byte[]> answer = push.get(30, TimeUnit.SECONDS);
        assertTrue(r.blobsDeleted() >= 1);
        assertEquals(400, answer.statusCode(), new String(answer.body()));
        assertEquals("MANIFEST_BLOB_UNKNOWN", RegistryHttp.errorCode(answer));
        assertEquals(404, http.get("/v2/race/app/manifests/v1").statusCode(), "nothing dangling was stored");
        // The client does what clients do: uploads the blobs again and pushes the manifest again.
        http.pushBlob("race/app", config);
        http.pushBlob("race/app", layer);
        assertEquals(201, putManifest().statusCode());
        assertPullsWhole();
    }

    @Test
    void aBlobUploadedWhileTheCollectorIsDeletingItsOldCopyStays() throws Exception {
        ageEverything();
        CompletableFuture<String> upload = new CompletableFuture<>();
        RegistryStorage storage = hooked("deleteBlobContent", layerDigest, () -> {
            CompletableFuture.runAsync(() -> {
                try {
                    upload.complete(http.pushBlob("race/app", layer));
                } catch (Exception | AssertionError e) {
                    upload.completeExceptionally(e);
                }
            });
            try {
                Thread.sleep(500); // the upload's commit waits on the fence meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertFalse(upload.isDone(), "the commit waits for the collector to release the fence");
        });

        assertTrue(collect(storage).blobsDeleted() >= 1);

        assertEquals(layerDigest.toString(), upload.get(30, TimeUnit.SECONDS));
        HttpResponse<byte[]> b = http.get("/v2/race/app/blobs/" + layerDigest);
        assertEquals(200, b.statusCode(), "the blob uploaded during the sweep was not removed by it");
        assertEquals(layerDigest.toString(), RegistryHttp.sha256(b.body()));
        http.pushBlob("race/app", config); // collected in the same sweep
        assertEquals(201, putManifest().statusCode());
        assertPullsWhole();
    }

    @Test
    void reStoringOldManifestContentDuringItsDeletionStoresItAgain() throws Exception {
        // The manifest was pushed once and deleted: its content stays behind, unreferenced, until collected.
        assertEquals(201, putManifest().statusCode());
        Digest m = Digest.sha256(manifest);
        assertEquals(202, http.send("DELETE", "/v2/race/app/manifests/" + m, null).statusCode());
        ageEverything();
        CompletableFuture<HttpResponse<byte[]>> push = new CompletableFuture<>();
        RegistryStorage storage = hooked("deleteBlobContent", m, () -> {
            // The push stores (its content looks present, so only links are written), then waits on the fence.
            CompletableFuture.runAsync(() -> push.complete(putManifest()));
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        collect(storage);

        HttpResponse<byte[]> answer = push.get(30, TimeUnit.SECONDS);
        if (answer.statusCode() == 201) {
            assertPullsWhole(); // it found its content gone after the fence and stored it again
        } else {
            assertEquals("MANIFEST_BLOB_UNKNOWN", RegistryHttp.errorCode(answer), new String(answer.body()));
            assertEquals(404, http.get("/v2/race/app/manifests/v1").statusCode());
        }
    }
}
