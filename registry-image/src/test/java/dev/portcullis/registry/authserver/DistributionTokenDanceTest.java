package dev.portcullis.registry.authserver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.registry.testsupport.DistributionProcess;
import java.nio.file.Path;

/**
 * The compatibility proof: CNCF Distribution 2.8 (Debian's docker-registry) accepts our issuer's tokens, and refuses
 * the ones it should.
 */
class DistributionTokenDanceTest extends TokenDanceContract {
    private DistributionProcess distribution;

    @Override
    protected String startRegistry(Path workDir, String configYaml) throws Exception {
        assumeTrue(DistributionProcess.installed(), "docker-registry is not installed");
        distribution = DistributionProcess.start(workDir, configYaml);
        return distribution.hostPort();
    }

    @Override
    protected void stopRegistry() {
        if (distribution != null) {
            distribution.close();
        }
    }

    @Override
    protected boolean acceptsThumbprintKeyIds() {
        return false;
    }
}
