package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.testimage.RandomImageLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * An OCI layout holding a two-platform image index (linux/amd64 and linux/arm64, each a {@link RandomImageLayout}
 * image), tagged {@code latest}, for {@code skopeo copy --all}.
 */
final class MultiArchLayout {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MultiArchLayout() {}

    /** Writes the layout into {@code dir} and returns the index's digest. */
    static String write(Path dir, Path scratch, int layers, double mbPerLayer, long seed) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode manifests = index.putArray("manifests");
        List<String> arches = List.of("amd64", "arm64");
        for (int i = 0; i < arches.size(); i++) {
            Path one = scratch.resolve("image-" + arches.get(i));
            String digest = RandomImageLayout.write(one, layers, mbPerLayer, seed + i, true);
            try (Stream<Path> files = Files.list(one.resolve("blobs/sha256"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, blobs.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            byte[] manifest = Files.readAllBytes(blobs.resolve(digest.substring("sha256:".length())));
            ObjectNode d = manifests.addObject();
            d.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            d.put("digest", digest);
            d.put("size", manifest.length);
            ObjectNode platform = d.putObject("platform");
            platform.put("architecture", arches.get(i));
            platform.put("os", "linux");
        }
        byte[] indexBytes = JSON.writeValueAsBytes(index);
        String indexDigest = "sha256:" + sha256(indexBytes);
        Files.write(blobs.resolve(indexDigest.substring("sha256:".length())), indexBytes);
        ObjectNode layout = JSON.createObjectNode();
        layout.put("schemaVersion", 2);
        ObjectNode ref = layout.putArray("manifests").addObject();
        ref.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ref.put("digest", indexDigest);
        ref.put("size", indexBytes.length);
        ref.putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(layout));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return indexDigest;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
