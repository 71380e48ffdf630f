package dev.portcullis.registry.conformance;

import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The independent conformance suite against Portcullis serving a plain Distribution config: every capability on
 * but one refused on purpose, no deviation overridden.
 */
class PortcullisConformanceTest extends OciConformanceSuite {
    @TempDir
    static Path work;

    private RunningRegistry registry;

    @BeforeAll
    void startPortcullis() throws Exception {
        registry = RunningRegistry.start(work);
    }

    @AfterAll
    void stopPortcullis() {
        if (registry != null) {
            registry.close();
        }
    }

    /**
     * A mount without {@code from} would let anyone who knows a digest copy a blob out of a repository they cannot
     * read; Portcullis answers with an upload session instead (202), which the spec allows.
     */
    @Override
    protected boolean supportsMountWithoutFrom() {
        return false;
    }

    @Override
    protected URI registryBaseUrl() {
        return URI.create(registry.url());
    }
}
