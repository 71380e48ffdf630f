package dev.portcullis.registry.gc;

import java.time.Duration;

/**
 * What one collection did (or, in a dry run, would do).
 *
 * @param blobsMarked      digests found in use (manifests, configs, layers, children)
 * @param keptByGrace      unreferenced blobs and untagged manifests kept because they are younger than the grace period
 */
public record GcResult(boolean dryRun, int repositories, int blobsMarked, int manifestsDeleted, int blobsDeleted,
                       long bytesFreed, int linksRemoved, int keptByGrace, Duration duration) {

    /** One line for the log or the command's summary. */
    public String line() {
        String verb = dryRun ? "would free" : "freed";
        return "garbage collection" + (dryRun ? " (dry run)" : "") + ": " + verb + " " + blobsDeleted + " blobs ("
                + bytesFreed + " bytes), " + (dryRun ? "would remove " : "removed ") + manifestsDeleted
                + " untagged manifests and " + linksRemoved + " dangling links in " + repositories + " repositories; "
                + blobsMarked + " digests in use, " + keptByGrace + " kept by the grace period; took "
                + duration.toMillis() + " ms";
    }
}
