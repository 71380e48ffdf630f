package dev.portcullis.registry.clients;

import dev.portcullis.testimage.RandomImageLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Makes test images with the project's {@link RandomImageLayout}: random, gzip-compressed layers, tagged
 * {@code latest}, the same bytes for the same seed (the same images bench/compare.sh pushes).
 */
public final class OciImages {
    private OciImages() {}

    /** Writes a new layout into {@code dir} (which must not hold one yet) and reads it back. */
    public static OciImage create(Path dir, int layers, double mbPerLayer, long seed) {
        String digest;
        try {
            digest = RandomImageLayout.write(dir, layers, mbPerLayer, seed, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a test image into " + dir, e);
        }
        OciImage image = OciImage.read(dir);
        // Reading index.json back must agree with what was written, or the layout is not what we think.
        if (!digest.equals(image.manifestDigest())) {
            throw new AssertionError("wrote manifest " + digest + " but index.json says " + image.manifestDigest());
        }
        return image;
    }
}
