package dev.portcullis.registry.clients;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.util.Map;

/** skopeo and containerd against Portcullis behind mutual TLS and an htpasswd login: the same contract as Distribution. */
class PortcullisTlsAuthRealClientTest extends TlsAuthRealClientContract {
    private RunningRegistry registry;

    @Override
    protected String startRegistry(String configYaml) throws Exception {
        int port = DistributionProcess.freePort();
        var root = registryDir.resolve("storage");
        registry = RunningRegistry.startYaml(configYaml.replace("${PORT}", Integer.toString(port))
                .replace("${ROOT}", root.toString()), root, Map.of());
        return registry.hostPort();
    }

    @Override
    protected void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }
}
