package dev.portcullis.registry.clients;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Makes test images with the project's shared tool {@code make-oci-image.py DIR LAYERS MB [SEED]}: random,
 * gzip-compressed layers, tagged {@code latest}, the same bytes for the same seed. Using the shared tool (not a Java
 * copy of it) keeps these images identical to the ones the rest of the project's scripts push.
 */
public final class OciImages {
    /** Set by the module's pom to {@code ${project.basedir}/../../shared/tools}. */
    public static final String PROPERTY = "portcullis.sharedTools";
    public static final String TOOL = "make-oci-image.py";

    private OciImages() {}

    /** The tool's path, or an AssertionError that says where it was looked for and why. */
    public static Path tool() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            throw new AssertionError("system property " + PROPERTY + " is not set: run through Maven (the pom sets it)"
                    + " or pass -D" + PROPERTY + "=/path/to/shared/tools");
        }
        Path tool = Path.of(dir).resolve(TOOL).normalize();
        if (!Files.isRegularFile(tool)) {
            throw new AssertionError(TOOL + " not found at " + tool + " (" + PROPERTY + "=" + dir + ")");
        }
        return tool;
    }

    /** Writes a new layout into {@code dir} (which must not hold one yet) and reads it back. */
    public static OciImage create(Path dir, int layers, double mbPerLayer, long seed) {
        String python = RequiredTool.PYTHON3.require();
        Exec.Result r = Exec.run(List.of(python, tool().toString(), dir.toString(), Integer.toString(layers),
                Double.toString(mbPerLayer), Long.toString(seed)), Duration.ofMinutes(3), Set.of(), env -> {}).orThrow();
        OciImage image = OciImage.read(dir);
        // The tool prints the manifest digest; reading index.json must agree, or the layout is not what we think.
        if (!r.output().strip().equals(image.manifestDigest())) {
            throw new AssertionError(TOOL + " printed " + r.output().strip() + " but index.json says " + image.manifestDigest());
        }
        return image;
    }
}
