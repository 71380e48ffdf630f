package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testimage.RandomImageLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test images every client test pushes: their digests must be what their bytes hash to, the same seed must give
 * the same image, real tools must read them, and bench/compare.sh's way of running the file must work.
 */
class RandomImageLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SOURCE = Path.of("../test-support/java/dev/portcullis/testimage/RandomImageLayout.java");

    @TempDir
    Path dir;

    @Test
    void theSameSeedGivesTheSameDigestsAndAnotherSeedOthers() throws IOException {
        String first = RandomImageLayout.write(dir.resolve("a"), 2, 0.1, 5, true);
        String again = RandomImageLayout.write(dir.resolve("b"), 2, 0.1, 5, true);
        String other = RandomImageLayout.write(dir.resolve("c"), 2, 0.1, 6, true);
        assertEquals(first, again);
        assertNotEquals(first, other);
        assertEquals(OciImage.read(dir.resolve("a")).allDigests(), OciImage.read(dir.resolve("b")).allDigests());
    }

    @Test
    void everyDescriptorMatchesItsBlobAndTheConfigNamesTheUncompressedTars() throws Exception {
        RandomImageLayout.write(dir, 3, 0.05, 9, true);
        OciImage image = OciImage.read(dir);
        assertEquals(3, image.layerDigests().size());
        for (String digest : image.allDigests()) {
            assertEquals(digest, "sha256:" + sha256(Files.readAllBytes(image.blob(digest))));
        }
        JsonNode manifest = JSON.readTree(image.blob(image.manifestDigest()).toFile());
        JsonNode config = JSON.readTree(image.blob(image.configDigest()).toFile());
        for (int i = 0; i < 3; i++) {
            JsonNode layer = manifest.path("layers").get(i);
            Path blob = image.blob(layer.path("digest").asText());
            assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", layer.path("mediaType").asText());
            assertEquals(Files.size(blob), layer.path("size").asLong());
            try (InputStream in = new GZIPInputStream(Files.newInputStream(blob))) {
                assertEquals(config.path("rootfs").path("diff_ids").get(i).asText(), "sha256:" + sha256(in.readAllBytes()));
            }
        }
        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile()).path("manifests").get(0);
        assertEquals("latest", index.path("annotations").path("org.opencontainers.image.ref.name").asText());
    }

    @Test
    void gnuTarReadsOneFileOfTheAskedSizeOwnedByRootWithNoTimestamp() throws IOException {
        RandomImageLayout.write(dir, 1, 0.25, 3, false);
        OciImage image = OciImage.read(dir);
        Exec.Result list = Exec.run(List.of("tar", "--numeric-owner", "-tvf", image.blob(image.layerDigests().get(0)).toString()),
                Duration.ofSeconds(30), Set.of(), env -> env.put("TZ", "UTC")).orThrow();
        assertEquals("-rw-r--r-- 0/0 262144 1970-01-01 00:00 layer0.bin", list.output().strip().replaceAll(" +", " "));
    }

    @Test
    void skopeoCopiesTheLayoutByItsLatestTag() throws IOException {
        String skopeo = RequiredTool.SKOPEO.require();
        String digest = RandomImageLayout.write(dir.resolve("src"), 2, 0.1, 4, true);
        Exec.run(List.of(skopeo, "--insecure-policy", "copy", "--quiet", "oci:" + dir.resolve("src") + ":latest",
                "oci:" + dir.resolve("copy") + ":latest"), Duration.ofMinutes(1), Set.of(), env -> {}).orThrow();
        // skopeo rewrites nothing when copying between layouts: the same manifest, byte for byte.
        assertEquals(digest, OciImage.read(dir.resolve("copy")).manifestDigest());
    }

    @Test
    void runAsASingleFileProgramItPrintsTheSameDigestAndRejectsBadArgumentsInOneLine() throws IOException {
        assertTrue(Files.isRegularFile(SOURCE), SOURCE.toAbsolutePath() + " is missing");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Exec.Result ok = Exec.run(List.of(java, SOURCE.toString(), dir.resolve("cli").toString(), "2", "0.1", "5"),
                Duration.ofMinutes(2), Set.of(), env -> {}).orThrow();
        assertEquals(RandomImageLayout.write(dir.resolve("api"), 2, 0.1, 5, true), ok.output().strip());

        Exec.Result bad = Exec.run(List.of(java, SOURCE.toString(), dir.resolve("bad").toString(), "two", "0.1"),
                Duration.ofMinutes(2), Set.of(), env -> {});
        assertEquals(2, bad.exitCode());
        assertEquals(1, bad.output().strip().lines().count(), bad.output());
        assertTrue(bad.output().contains("\"two\"") && bad.output().contains("usage:"), bad.output());
    }

    @Test
    void refusesALayoutWithoutLayers() {
        assertThrows(IllegalArgumentException.class, () -> RandomImageLayout.write(dir, 0, 1, 1, true));
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
