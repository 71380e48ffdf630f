package dev.portcullis.registry.clients;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image layout on disk with a single manifest (what RandomImageLayout writes, and what skopeo writes when it
 * copies one image into an empty folder), read from its index.json and manifest.
 */
public record OciImage(Path dir, String manifestDigest, String configDigest, List<String> layerDigests) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the layout at {@code dir}; its index must list exactly one manifest. */
    public static OciImage read(Path dir) {
        try {
            JsonNode manifests = JSON.readTree(dir.resolve("index.json").toFile()).path("manifests");
            if (manifests.size() != 1) {
                throw new AssertionError(dir + "/index.json lists " + manifests.size() + " manifests, expected 1");
            }
            String manifestDigest = manifests.get(0).path("digest").asText();
            JsonNode manifest = JSON.readTree(blobPath(dir, manifestDigest).toFile());
            List<String> layers = new ArrayList<>();
            manifest.path("layers").forEach(l -> layers.add(l.path("digest").asText()));
            return new OciImage(dir, manifestDigest, manifest.path("config").path("digest").asText(), List.copyOf(layers));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read OCI layout " + dir, e);
        }
    }

    /** Every blob the image is made of: manifest, config, layers. */
    public List<String> allDigests() {
        List<String> all = new ArrayList<>(List.of(manifestDigest, configDigest));
        all.addAll(layerDigests);
        return all;
    }

    public Path blob(String digest) {
        return blobPath(dir, digest);
    }

    private static Path blobPath(Path dir, String digest) {
        String[] algoHex = digest.split(":", 2);
        return dir.resolve("blobs").resolve(algoHex[0]).resolve(algoHex[1]);
    }
}
