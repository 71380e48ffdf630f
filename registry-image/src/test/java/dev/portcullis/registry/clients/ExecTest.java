package dev.portcullis.registry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Failure messages carry the command line and output, never a secret; hung commands are killed. */
class ExecTest {
    private final Credentials creds = new Credentials("alice", "pw-123");

    @Test
    void failureMessageShowsCommandAndOutputButNoSecret() {
        Exec.Result r = Exec.run(List.of("/bin/sh", "-c", "echo login as $0 failed >&2; exit 3", creds.pair()),
                Duration.ofSeconds(10), creds.secrets(), env -> {});
        AssertionError e = assertThrows(AssertionError.class, r::orThrow);
        assertTrue(e.getMessage().contains("exited 3"), e.getMessage());
        assertTrue(e.getMessage().contains("login as *** failed"), e.getMessage());
        assertFalse(e.getMessage().contains("pw-123"), e.getMessage());
        assertFalse(creds.toString().contains("pw-123"));
    }

    @Test
    void successKeepsOutput() {
        Exec.Result r = Exec.run(List.of("/bin/echo", "hello"), Duration.ofSeconds(10), Set.of(), env -> {}).orThrow();
        assertEquals("hello\n", r.output());
    }

    @Test
    void timeoutKillsTheCommand() {
        long start = System.nanoTime();
        AssertionError e = assertThrows(AssertionError.class,
                () -> Exec.run(List.of("/bin/sleep", "30"), Duration.ofMillis(300), Set.of(), env -> {}));
        assertTrue(e.getMessage().startsWith("timed out"), e.getMessage());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "should not wait for sleep 30");
    }
}
