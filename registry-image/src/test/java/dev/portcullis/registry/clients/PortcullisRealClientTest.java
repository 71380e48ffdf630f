package dev.portcullis.registry.clients;

import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** skopeo and containerd against Portcullis over plain HTTP on loopback: the same contract Distribution passes. */
class PortcullisRealClientTest extends RealClientContract {
    @TempDir
    Path registryDir;

    private RunningRegistry registry;

    @BeforeEach
    void startPortcullis() throws Exception {
        registry = RunningRegistry.start(registryDir);
    }

    @AfterEach
    void stopPortcullis() {
        if (registry != null) {
            registry.close();
        }
    }

    @Override
    protected RegistryTarget registry() {
        return RegistryTarget.plainHttp(registry.hostPort());
    }
}
