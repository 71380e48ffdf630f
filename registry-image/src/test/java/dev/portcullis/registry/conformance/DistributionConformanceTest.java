package dev.portcullis.registry.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves {@link OciConformanceSuite} against the reference implementation, CNCF Distribution 2.8.2 (Debian's
 * {@code docker-registry}). Distribution 2.8 predates OCI Distribution 1.1; features it lacks are switched off through
 * the capability flags, and every place it breaks a MUST of the spec is an override below naming the deviation.
 */
class DistributionConformanceTest extends OciConformanceSuite {
    @TempDir
    static Path work;

    private DistributionProcess distribution;

    @BeforeAll
    void startDistribution() throws Exception {
        assumeTrue(DistributionProcess.installed(), "docker-registry is not installed");
        distribution = DistributionProcess.startPlain(work.resolve("distribution"));
    }

    @AfterAll
    void stopDistribution() {
        if (distribution != null) {
            distribution.close();
        }
    }

    @Override
    protected URI registryBaseUrl() {
        return URI.create("http://" + distribution.hostPort());
    }

    /** 2.8 has no referrers API and never answers OCI-Subject (both are 1.1). */
    @Override
    protected boolean supportsReferrers() {
        return false;
    }

    /** 2.8 ignores {@code mount} without {@code from} and starts a plain upload (202), which the spec allows. */
    @Override
    protected boolean supportsMountWithoutFrom() {
        return false;
    }
}
