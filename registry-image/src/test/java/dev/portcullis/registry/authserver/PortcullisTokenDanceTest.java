package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Path;
import java.util.Map;

/** Our registry with our issuer: the same token dance Distribution passes, verified by Portcullis's auth.token. */
class PortcullisTokenDanceTest extends TokenDanceContract {
    private RunningRegistry registry;

    @Override
    protected String startRegistry(Path workDir, String configYaml) throws Exception {
        Path root = workDir.resolve("storage");
        registry = RunningRegistry.startYaml(configYaml
                .replace("${PORT}", Integer.toString(DistributionProcess.freePort()))
                .replace("${ROOT}", root.toString()), root, Map.of());
        return registry.hostPort();
    }

    @Override
    protected void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Override
    protected boolean acceptsThumbprintKeyIds() {
        return true;
    }
}
