package dev.portcullis.registry.clients;

import dev.portcullis.registry.testsupport.DistributionProcess;

/** The TLS and login contract against CNCF Distribution: proves the harness's TLS and credential paths. */
class DistributionTlsAuthRealClientTest extends TlsAuthRealClientContract {
    private DistributionProcess distribution;

    @Override
    protected String startRegistry(String configYaml) throws Exception {
        RequiredTool.DISTRIBUTION.require();
        distribution = DistributionProcess.start(registryDir.resolve("distribution"), configYaml);
        return distribution.hostPort();
    }

    @Override
    protected void stopRegistry() {
        if (distribution != null) {
            distribution.close();
        }
    }
}
