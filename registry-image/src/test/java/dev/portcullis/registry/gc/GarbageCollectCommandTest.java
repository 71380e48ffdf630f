package dev.portcullis.registry.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.testsupport.RegistryProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code garbage-collect CONFIG.yml [--dry-run] [--delete-untagged]}: arguments, exit codes, output, dry run. */
class GarbageCollectCommandTest {
    @TempDir
    Path dir;
    Path storageRoot;
    Path config;
    StorageFixture fx;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        storageRoot = dir.resolve("storage");
        fx = new StorageFixture(storageRoot);
        config = write("config.yml", "");
    }

    private Path write(String name, String extraStorageYaml) throws IOException {
        return Files.writeString(dir.resolve(name), """
                version: 0.1
                storage:
                  filesystem:
                    rootdirectory: %s
                %s
                http:
                  addr: 127.0.0.1:5000
                """.formatted(storageRoot, extraStorageYaml));
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return GarbageCollectCommand.run(List.of(args), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badUsageAndBadConfigExitTwoWithOneClearLine() throws Exception {
        assertEquals(2, run());
        assertTrue(err().contains("config file is missing"), err());
        assertEquals(2, run(config.toString(), "--force"));
        assertTrue(err().contains("unexpected argument '--force'"), err());
        assertEquals(2, run(config.toString(), config.toString()));
        assertEquals(2, run(dir.resolve("absent.yml").toString()));
        assertTrue(err().contains("not found"), err());
        Path badGrace = write("bad.yml", "  maintenance:\n    gc:\n      grace: -5m");
        assertEquals(2, run(badGrace.toString()));
        assertTrue(err().startsWith("portcullis-registry garbage-collect: config error: storage.maintenance.gc.grace"),
                err());
        Path noStorage = Files.writeString(dir.resolve("nostorage.yml"), "version: 0.1\n");
        assertEquals(2, run(noStorage.toString()));
        assertEquals(1, err().strip().lines().count(), err());
    }

    @Test
    void asItsOwnProcessExitCodesAndOutput() throws Exception {
        Digest orphan = fx.blob("app", "orphan");
        fx.ageAll(Duration.ofHours(2));
        try (var p = RegistryProcess.start(dir.resolve("p1"), List.of(), Map.of(), "garbage-collect")) {
            assertEquals(2, p.waitForExit(Duration.ofMinutes(1)), p.output());
            assertTrue(p.output().contains("the config file is missing"), p.output());
        }
        try (var p = RegistryProcess.start(dir.resolve("p2"), List.of(), Map.of(), "garbage-collect", config.toString(),
                "--dry-run")) {
            assertEquals(0, p.waitForExit(Duration.ofMinutes(1)), p.output());
            assertTrue(p.output().contains("blob eligible for deletion: " + orphan), p.output());
            assertTrue(p.output().contains("garbage collection (dry run): would free 1 blobs"), p.output());
        }
        assertTrue(fx.hasContent(orphan));
        try (var p = RegistryProcess.start(dir.resolve("p3"), List.of(), Map.of(), "garbage-collect", config.toString())) {
            assertEquals(0, p.waitForExit(Duration.ofMinutes(1)), p.output());
        }
        assertFalse(fx.hasContent(orphan));
    }

    @Test
    void dryRunListsWhatWouldGoAndChangesNothing() throws Exception {
        Digest layer = fx.blob("app", "layer");
        fx.image("app", "v1", layer);
        Digest untaggedLayer = fx.blob("app", "untagged layer");
        Digest untagged = fx.image("app", null, untaggedLayer);
        Digest orphan = fx.blob("app", "orphan");
        fx.ageAll(Duration.ofHours(2));
        Map<String, String> before = snapshot();

        assertEquals(0, run(config.toString(), "--dry-run", "--delete-untagged"));

        assertEquals(before, snapshot(), "not a file changed, not even a time");
        String printed = out();
        assertTrue(printed.contains("manifest eligible for deletion: " + untagged + " (repository app)"), printed);
        assertTrue(printed.contains("blob eligible for deletion: " + orphan), printed);
        assertTrue(printed.contains("blob eligible for deletion: " + untaggedLayer), printed);
        assertFalse(printed.contains(layer.toString()), printed);
        assertTrue(printed.strip().lines().reduce((a, b) -> b).orElseThrow()
                .startsWith("garbage collection (dry run): would free 3 blobs"), printed);

        assertEquals(0, run(config.toString(), "-m"));
        assertTrue(out().contains("garbage collection: freed 3 blobs"), out());
        assertFalse(fx.hasContent(orphan) || fx.hasContent(untaggedLayer) || fx.hasManifest("app", untagged));
        assertTrue(fx.hasContent(layer));
    }

    @Test
    void withoutDeleteUntaggedOnlyOrphansGoAndTheGraceComesFromTheConfig() throws Exception {
        Digest untagged = fx.image("app", null, fx.blob("app", "untagged layer"));
        Digest orphan = fx.blob("app", "orphan");
        assertEquals(0, run(config.toString()));
        assertTrue(fx.hasContent(orphan), "the default grace period (1h) protects a fresh orphan");

        Path noGrace = write("nograce.yml", "  maintenance:\n    gc:\n      grace: 0s");
        assertEquals(0, run(noGrace.toString()));
        assertFalse(fx.hasContent(orphan));
        assertTrue(fx.hasManifest("app", untagged));
        assertTrue(out().startsWith("blob deleted: " + orphan), out());
    }

    @Test
    void anotherCollectorRunningIsExitOne() throws Exception {
        try (StorageLock held = fx.storage.tryLock("gc", Duration.ofMinutes(1)).orElseThrow()) {
            assertEquals(1, run(config.toString()));
            assertTrue(err().contains("another garbage collection"), err());
        }
    }

    private Map<String, String> snapshot() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(storageRoot)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                files.put(storageRoot.relativize(p).toString(), Files.getLastModifiedTime(p) + " "
                        + (Files.isRegularFile(p) ? Files.size(p) : "dir"));
            }
        }
        return files;
    }
}
