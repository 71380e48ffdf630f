package dev.portcullis.registry.storage.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The readiness probe most drivers share: write a small file, read it back, delete it. Its failure names the step that
 * failed, so that a read-only volume reads as a failed write and not as whatever the clean-up met afterwards.
 */
final class RoundTripProbe {
    private RoundTripProbe() {}

    static void run(StorageDriver driver, String probePath) throws IOException {
        byte[] content = probePath.getBytes(StandardCharsets.UTF_8);
        try {
            driver.putContent(probePath, content);
        } catch (IOException | RuntimeException e) {
            // A write that failed half-way may have left the file.
            throw cleanedUp(driver, probePath, failed("writing", probePath, e));
        }
        byte[] back;
        try {
            back = driver.getContent(probePath);
        } catch (IOException | RuntimeException e) {
            throw cleanedUp(driver, probePath, failed("reading back", probePath, e));
        }
        if (!Arrays.equals(content, back)) {
            throw cleanedUp(driver, probePath,
                    new IOException("reading back the probe file " + probePath + ": different bytes than written"));
        }
        try {
            driver.delete(probePath);
        } catch (IOException | RuntimeException e) {
            throw failed("deleting", probePath, e);
        }
    }

    private static IOException failed(String step, String probePath, Exception cause) {
        return new IOException(step + " the probe file " + probePath + " failed: " + cause.getMessage(), cause);
    }

    /** Deletes what the probe may have left; the step that failed stays the reason reported. */
    private static IOException cleanedUp(StorageDriver driver, String probePath, IOException reason) {
        try {
            driver.delete(probePath);
        } catch (IOException | RuntimeException alsoFailed) {
            reason.addSuppressed(alsoFailed);
        }
        return reason;
    }
}
