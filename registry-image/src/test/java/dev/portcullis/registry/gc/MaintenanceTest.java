package dev.portcullis.registry.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.storage.UploadState;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upload purging with Distribution's semantics, and both maintenance jobs scheduled from the config. */
class MaintenanceTest {
    @TempDir
    Path dir;

    @Test
    void uploadsOlderThanTheAgeArePurgedEvenInRepositoriesWithNothingElse() throws Exception {
        DriverRegistryStorage storage = new DriverRegistryStorage(new FilesystemDriver(dir));
        RepositoryName fresh = new RepositoryName("first/push");
        RepositoryName busy = new RepositoryName("busy");
        UploadState abandoned = storage.startUpload(fresh);
        StorageFixture.blob(storage, "busy", "a committed blob".getBytes(StandardCharsets.UTF_8));
        UploadState ongoing = storage.startUpload(busy);
        List<String> events = new ArrayList<>();
        Duration week = Duration.ofHours(168);

        var now = new UploadPurger(storage, week, false, events::add, Clock.systemUTC()).run().orElseThrow();
        assertEquals(0, now.purged());
        assertEquals(2, now.kept());

        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(8)), ZoneOffset.UTC);
        var dry = new UploadPurger(storage, week, true, events::add, later).run().orElseThrow();
        assertEquals(2, dry.purged());
        assertEquals(1, storage.uploads(fresh).size(), "a dry run purges nothing");
        assertTrue(dry.line().startsWith("upload purging (dry run): would remove 2"), dry.line());

        var real = new UploadPurger(storage, week, false, events::add, later).run().orElseThrow();
        assertEquals(2, real.purged());
        assertTrue(storage.uploads(fresh).isEmpty() && storage.uploads(busy).isEmpty());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("upload purged: first/push " + abandoned.id())), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.contains(ongoing.id())));
    }

    @Test
    void distributionsDefaultsAndOurGcKeys() {
        var config = RegistryConfigLoader.fromTree(ConfigTree.parse("""
                version: 0.1
                storage:
                  filesystem:
                    rootdirectory: /tmp/x
                  maintenance:
                    gc:
                      enabled: true
                      interval: 6h
                      grace: 30m
                      deleteuntagged: true
                http:
                  addr: 127.0.0.1:5000
                """, "test"));
        var purging = config.storage().uploadPurging();
        assertTrue(purging.enabled());
        assertEquals(Duration.ofHours(168), purging.age());
        assertEquals(Duration.ofHours(24), purging.interval());
        assertFalse(purging.dryRun());
        assertTrue(config.warnings().isEmpty(), "the gc keys are known: " + config.warnings());
        GcSettings gc = GcSettings.from(config.tree());
        assertEquals(new GcSettings(true, Duration.ofHours(6), Duration.ofMinutes(30), true, false), gc);
        assertEquals(new GcSettings(false, Duration.ofHours(24), Duration.ofHours(1), false, false),
                GcSettings.from(ConfigTree.parse("version: 0.1", "empty")));
        assertThrows(ConfigException.class,
                () -> GcSettings.from(ConfigTree.parse("storage:\n  maintenance:\n    gc:\n      interval: 0s", "zero")));
    }

    @Test
    void aServingRegistryCollectsAndPurgesOnItsSchedule() throws Exception {
        Path root = dir.resolve("storage");
        String yaml = """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  maintenance:
                    uploadpurging:
                      age: 1s
                      interval: 300ms
                    gc:
                      enabled: true
                      interval: 300ms
                      grace: 1s
                http:
                  addr: 127.0.0.1:0
                """.formatted(root);
        try (RunningRegistry registry = RunningRegistry.startYaml(yaml, root, Map.of())) {
            RegistryHttp http = new RegistryHttp(registry.url());
            byte[] manifest = http.pushImage("sched/app", "v1", "a layer".getBytes(StandardCharsets.UTF_8));
            String orphan = http.pushBlob("sched/app", "an orphan".getBytes(StandardCharsets.UTF_8));
            var started = http.send("POST", "/v2/sched/abandoned/blobs/uploads/", null);
            assertEquals(202, started.statusCode());
            String location = started.headers().firstValue("Location").orElseThrow();

            DriverRegistryStorage storage = new DriverRegistryStorage(new FilesystemDriver(root));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while ((storage.blobFile(Digest.parse(orphan)).isPresent()
                    || !storage.uploads(new RepositoryName("sched/abandoned")).isEmpty())
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(storage.blobFile(Digest.parse(orphan)).isEmpty(), "the scheduled collection removed the orphan");
            assertTrue(storage.uploads(new RepositoryName("sched/abandoned")).isEmpty(), "and the upload was purged");
            assertEquals(404, http.get(location.startsWith("http") ? location.substring(registry.url().length())
                    : location).statusCode());
            var m = http.get("/v2/sched/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
            assertEquals(200, m.statusCode());
            assertEquals(RegistryHttp.sha256(manifest), RegistryHttp.sha256(m.body()));
            assertEquals(200, http.get("/v2/sched/app/blobs/" + RegistryHttp.sha256("a layer".getBytes(StandardCharsets.UTF_8)))
                    .statusCode());
        }
    }
}
