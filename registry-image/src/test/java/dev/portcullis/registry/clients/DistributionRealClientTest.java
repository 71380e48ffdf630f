package dev.portcullis.registry.clients;

import dev.portcullis.registry.testsupport.DistributionProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-client contract against CNCF Distribution, the reference registry: it proves the harness itself. If a test
 * fails here, the harness (or the machine) is wrong, not Portcullis.
 */
class DistributionRealClientTest extends RealClientContract {
    @TempDir
    Path registryDir;

    private DistributionProcess distribution;

    @BeforeEach
    void startDistribution() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        distribution = DistributionProcess.startPlain(registryDir);
    }

    @AfterEach
    void stopDistribution() {
        if (distribution != null) {
            distribution.close();
        }
    }

    @Override
    protected RegistryTarget registry() {
        return RegistryTarget.plainHttp(distribution.hostPort());
    }
}
