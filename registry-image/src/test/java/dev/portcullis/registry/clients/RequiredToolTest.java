package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing client must fail CI and only skip elsewhere, naming the package to install either way. */
class RequiredToolTest {
    private final RequiredTool missing = new RequiredTool(Path.of("/nonexistent/portcullis-tool"), "some-package");

    @Test
    void missingToolFailsInCi() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> missing.require(true));
        assertTrue(e.getMessage().contains("apt-get install some-package"), e.getMessage());
    }

    @Test
    void missingToolSkipsOutsideCi() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> missing.require(false));
        assertTrue(e.getMessage().contains("apt-get install some-package"), e.getMessage());
    }

    @Test
    void presentToolIsReturned() {
        assertEquals("/bin/sh", new RequiredTool(Path.of("/bin/sh"), "dash").require(true));
    }
}
