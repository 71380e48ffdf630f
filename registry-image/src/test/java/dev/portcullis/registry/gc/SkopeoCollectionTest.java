package dev.portcullis.registry.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.clients.OciImage;
import dev.portcullis.registry.clients.OciImages;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client around a collection: skopeo pushes images and deletes one, the {@code garbage-collect} command runs
 * against the storage while the registry keeps serving it (as the operator's CronJob does), and skopeo pulls the
 * others back byte for byte and pushes the deleted one again. Distribution's own {@code garbage-collect --dry-run} on
 * the same folder must find exactly what ours finds.
 */
class SkopeoCollectionTest {
    private static final Pattern ELIGIBLE = Pattern.compile("(blob|manifest) eligible for deletion: (\\S+)");

    @TempDir
    Path work;

    @Test
    void pushDeleteCollectWhileServingPullBackIntact() throws Exception {
        try (RunningRegistry registry = RunningRegistry.start(work.resolve("registry"))) {
            RegistryTarget target = RegistryTarget.plainHttp(registry.hostPort());
            Skopeo skopeo = Skopeo.create(work.resolve("skopeo"));
            OciImage kept = OciImages.create(work.resolve("kept"), 2, 0.25, 41);
            OciImage deleted = OciImages.create(work.resolve("deleted"), 2, 0.25, 42);
            push(skopeo, target, kept, "gc/real:kept");
            push(skopeo, target, deleted, "gc/real:deleted");
            push(skopeo, target, deleted, "gc/untagged:v1");
            push(skopeo, target, kept, "gc/untagged:v1"); // moves the tag: "deleted" is untagged there now
            skopeo.delete(target, "gc/real@" + deleted.manifestDigest());
            new StorageFixture(registry.storageRoot()).ageAll(Duration.ofHours(2));

            Path config = Files.writeString(work.resolve("gc.yml"), """
                    version: 0.1
                    storage:
                      filesystem:
                        rootdirectory: %s
                    http:
                      addr: 127.0.0.1:5000
                    """.formatted(registry.storageRoot()));

            // Ours and Distribution's dry runs agree, with and without --delete-untagged.
            for (boolean untagged : List.of(false, true)) {
                Set<String> ours = eligible(runOurs(config, true, untagged));
                if (DistributionProcess.installed()) {
                    Set<String> theirs = eligible(runDistributions(config, untagged));
                    assertEquals(theirs, ours, "Distribution's garbage-collect --dry-run"
                            + (untagged ? " --delete-untagged" : "") + " finds the same");
                }
                assertEquals(untagged, !ours.isEmpty(), "only the untagged copy makes anything collectable: " + ours);
            }

            String summary = runOurs(config, false, true);
            assertTrue(summary.contains("garbage collection: freed 4 blobs"), summary);
            DriverRegistryStorage storage = new DriverRegistryStorage(new FilesystemDriver(registry.storageRoot()));
            for (String d : deleted.allDigests()) {
                if (!kept.allDigests().contains(d)) {
                    assertTrue(storage.blobFile(Digest.parse(d)).isEmpty(), d + " of the deleted image is gone");
                }
            }

            pullBackIdentical(skopeo, target, kept, "gc/real:kept");
            pullBackIdentical(skopeo, target, kept, "gc/untagged:v1");
            push(skopeo, target, deleted, "gc/real:again");
            pullBackIdentical(skopeo, target, deleted, "gc/real:again");
        }
    }

    private static void push(Skopeo skopeo, RegistryTarget target, OciImage image, String repoTag) {
        skopeo.copy(new Skopeo.OciDir(image.dir(), "latest"), new Skopeo.Remote(target, repoTag), "--preserve-digests");
    }

    private void pullBackIdentical(Skopeo skopeo, RegistryTarget target, OciImage image, String repoTag) throws Exception {
        Path back = Files.createTempDirectory(work, "back");
        Files.delete(back);
        skopeo.copy(new Skopeo.Remote(target, repoTag), new Skopeo.OciDir(back, "v1"), "--preserve-digests");
        OciImage pulled = OciImage.read(back);
        assertEquals(image.manifestDigest(), pulled.manifestDigest());
        for (String d : image.allDigests()) {
            assertEquals(-1L, Files.mismatch(image.blob(d), pulled.blob(d)), repoTag + " blob " + d);
        }
    }

    private static String runOurs(Path config, boolean dryRun, boolean untagged) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of(config.toString()));
        if (dryRun) {
            args.add("--dry-run");
        }
        if (untagged) {
            args.add("--delete-untagged");
        }
        int code = GarbageCollectCommand.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String runDistributions(Path config, boolean untagged) {
        List<String> cmd = new java.util.ArrayList<>(List.of(DistributionProcess.BINARY, "garbage-collect", "--dry-run"));
        if (untagged) {
            cmd.add("--delete-untagged");
        }
        cmd.add(config.toString());
        Exec.Result r = Exec.run(cmd, Duration.ofMinutes(2), Set.of(), env -> { });
        assumeTrue(r.ok(), "docker-registry garbage-collect failed: " + r.describe());
        return r.output();
    }

    /** "blob DIGEST" and "manifest REPO@DIGEST" lines, in either tool's wording. */
    private static Set<String> eligible(String output) {
        Set<String> out = new TreeSet<>();
        Matcher m = ELIGIBLE.matcher(output);
        while (m.find()) {
            out.add(m.group(1) + " " + m.group(2));
        }
        return out;
    }
}
