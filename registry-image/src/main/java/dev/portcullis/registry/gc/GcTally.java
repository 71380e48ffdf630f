package dev.portcullis.registry.gc;

import java.time.Duration;

/** What one collection has done so far, counted by its phases. */
final class GcTally {
    int manifestsDeleted;
    int blobsDeleted;
    long bytesFreed;
    int linksRemoved;
    int keptByGrace;

    GcResult result(boolean dryRun, int repositories, int marked, Duration took) {
        return new GcResult(dryRun, repositories, marked, manifestsDeleted, blobsDeleted, bytesFreed, linksRemoved,
                keptByGrace, took);
    }
}
