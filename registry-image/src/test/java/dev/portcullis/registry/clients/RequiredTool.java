package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A binary the harness needs. In CI (CI=true) a missing one is a failure, so a green run never hides a
 * machine without the client; on a developer's machine it skips with the Debian package to install.
 */
public record RequiredTool(Path binary, String debianPackage) {
    public static final RequiredTool SKOPEO = new RequiredTool(Path.of("/usr/bin/skopeo"), "skopeo");
    public static final RequiredTool CONTAINERD = new RequiredTool(Path.of("/usr/bin/containerd"), "containerd");
    public static final RequiredTool CTR = new RequiredTool(Path.of("/usr/bin/ctr"), "containerd");
    public static final RequiredTool DISTRIBUTION = new RequiredTool(Path.of("/usr/bin/docker-registry"), "docker-registry");

    /** Returns the binary's path, or fails/aborts the current test as described above. */
    public String require() {
        return require("true".equalsIgnoreCase(System.getenv("CI")));
    }

    /** {@link #require()} with the CI decision made by the caller (for testing this class). */
    String require(boolean ci) {
        if (Files.isExecutable(binary)) {
            return binary.toString();
        }
        String why = binary + " is missing: apt-get install " + debianPackage;
        if (ci) {
            fail(why + " (CI=true, so this is a failure, not a skip)");
        }
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }
}
