package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ext_auth and ext_authz against real programs (src/test/resources/ext): docker_auth's stdin formats and exit codes,
 * and the limits around them: empty environment, timeout killing the process tree, capped output, crashes.
 */
class ExternalProgramsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    Path markers;
    private ExternalAuthenticator authn;
    private ExternalAuthorizer authz;

    @BeforeEach
    void programs() throws Exception {
        authn = new ExternalAuthenticator(ExternalProgram.open(settings("ext_auth.sh"), "ext_auth.command"));
        authz = new ExternalAuthorizer(ExternalProgram.open(settings("ext_authz.py"), "ext_authz.command"));
    }

    private ExternalProgramSettings settings(String script) throws Exception {
        Path p = Path.of(getClass().getResource("/ext/" + script).toURI());
        assertTrue(p.toFile().setExecutable(true), "chmod +x " + p);
        return ExternalProgramSettings.fromConfig(Map.of("command", p.toString(), "args", List.of(markers.toString()),
                "timeout", TIMEOUT.toMillis() + "ms"), "ext_auth.");
    }

    @Test
    void exitStatusDecidesAndLabelsComeFromStdout() {
        assertEquals(new PasswordBackend.Allowed(Map.of("group", List.of("dev", "ops"))), authn.authenticate("alice", "right pw"));
        assertInstanceOf(PasswordBackend.Denied.class, authn.authenticate("alice", "wrong"));
        assertInstanceOf(PasswordBackend.NoMatch.class, authn.authenticate("stranger", "whatever"));
        assertInstanceOf(PasswordBackend.Allowed.class, authn.authenticate("spaces", "a b  c"), "a password with spaces arrives whole");
        assertInstanceOf(PasswordBackend.Allowed.class, authn.authenticate("envcheck", "x"), "the environment is empty");
    }

    @Test
    void aPasswordWithALineBreakNeverReachesTheProgram() {
        try (LogCapture log = new LogCapture(ExternalAuthenticator.class)) {
            // Read line by line, "right pw" would be all the script sees: it must not run at all.
            assertInstanceOf(PasswordBackend.Denied.class, authn.authenticate("alice", "right pw\nalice right pw"));
            assertInstanceOf(PasswordBackend.Denied.class, authn.authenticate("alice", "right pw\r"));
            assertInstanceOf(PasswordBackend.Denied.class, authn.authenticate("alice right", "pw"), "an account with a space would shift the fields");
            assertFalse(Files.exists(markers.resolve("ran-alice")), "the program was not run");
            assertEquals(3, log.lines().size(), log.lines().toString());
            log.lines().forEach(l -> assertFalse(l.contains("right pw"), l));
        }
    }

    @Test
    void aHangingProgramIsKilledWithItsChildrenAndDenies() throws Exception {
        try (LogCapture log = new LogCapture(ExternalAuthenticator.class)) {
            long start = System.nanoTime();
            assertInstanceOf(PasswordBackend.Denied.class, authn.authenticate("hang", "secret-hang-pw"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(TIMEOUT) >= 0 && took.compareTo(TIMEOUT.plusSeconds(5)) < 0, "took " + took);
            long child = Long.parseLong(Files.readString(markers.resolve("child.pid")).strip());
            Optional<ProcessHandle> h = ProcessHandle.of(child);
            assertTrue(h.isEmpty() || h.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS) != null, "the child was killed");
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).contains("did not finish within 3000 ms"), log.lines().get(0));
            assertFalse(log.lines().get(0).contains("secret-hang-pw"));
        }
    }

    @Test
    void crashesHugeOutputGarbageAndOddExitCodesDenyWithOneLineEach() {
        try (LogCapture log = new LogCapture(ExternalAuthenticator.class)) {
            for (String account : List.of("crash", "huge", "garbage", "weird")) {
                log.clear();
                assertInstanceOf(PasswordBackend.Denied.class, authn.authenticate(account, "pw-" + account), account);
                assertEquals(1, log.lines().size(), account + ": " + log.lines());
                assertFalse(log.lines().get(0).contains("pw-" + account));
                if (account.equals("crash")) {
                    assertTrue(log.lines().get(0).contains("was killed by signal 11"), log.lines().get(0));
                }
            }
        }
    }

    @Test
    void ext_authzGetsDockerAuthsRequestInfoAndGrantsOnlyWhatWasAsked() throws Exception {
        AuthorizationRequest r = new AuthorizationRequest("alice", "repository", "open/app", "registry", "10.1.2.3",
                List.of("pull", "push"), Map.of("group", List.of("dev")));
        assertEquals(Optional.of(List.of("pull")), authz.authorize(r));
        @SuppressWarnings("unchecked")
        Map<String, Object> seen = new ObjectMapper().readValue(markers.resolve("last-request.json").toFile(), Map.class);
        assertEquals(Map.of("Account", "alice", "Type", "repository", "Name", "open/app", "Service", "registry",
                "IP", "10.1.2.3", "Actions", List.of("pull", "push"), "Labels", Map.of("group", List.of("dev"))), seen);

        assertEquals(Optional.of(List.of("pull", "push")), authz.authorize(with(r, "everything/x", Map.of())));
        assertEquals(Optional.of(List.of("pull")), authz.authorize(
                new AuthorizationRequest("bob", "repository", "greedy/x", "registry", null, List.of("pull"), Map.of())));
        assertEquals(Optional.of(List.of("pull", "push")), authz.authorize(with(r, "team/app", Map.of("group", List.of("dev")))));
        assertEquals(Optional.of(List.of()), authz.authorize(with(r, "team/app", Map.of("group", List.of("qa")))));
        assertEquals(Optional.of(List.of()), authz.authorize(with(r, "closed/app", Map.of())));
        assertEquals(Optional.empty(), authz.authorize(with(r, "somewhere/else", Map.of())), "exit 2: no opinion");
    }

    @Test
    void ext_authzFailuresDenyWithOneLine() {
        AuthorizationRequest r = new AuthorizationRequest("alice", "repository", "x", "registry", null, List.of("pull"), Map.of());
        try (LogCapture log = new LogCapture(ExternalAuthorizer.class)) {
            for (String name : List.of("garbage/x", "crash/x", "hang/x")) {
                log.clear();
                assertEquals(Optional.of(List.of()), authz.authorize(with(r, name, Map.of())), name);
                assertEquals(1, log.lines().size(), name + ": " + log.lines());
            }
        }
    }

    @Test
    void settingsNameTheKeyOfAMistake() {
        assertEquals("ext_auth.command", assertThrows(ConfigException.class,
                () -> ExternalProgramSettings.fromConfig(Map.of("args", List.of()), "ext_auth.")).key());
        assertEquals("ext_auth.command", assertThrows(ConfigException.class,
                () -> ExternalProgramSettings.fromConfig(Map.of("command", "auth.sh"), "ext_auth.")).key());
        assertEquals("ext_authz.timeout", assertThrows(ConfigException.class,
                () -> ExternalProgramSettings.fromConfig(Map.of("command", "/bin/true", "timeout", "0s"), "ext_authz.")).key());
        assertEquals("ext_authz.shell", assertThrows(ConfigException.class,
                () -> ExternalProgramSettings.fromConfig(Map.of("command", "/bin/true", "shell", true), "ext_authz.")).key());
        assertEquals("ext_auth.command", assertThrows(ConfigException.class,
                () -> ExternalProgram.open(new ExternalProgramSettings(markers.resolve("missing"), List.of(), TIMEOUT), "ext_auth.command")).key());
    }

    private static AuthorizationRequest with(AuthorizationRequest r, String name, Map<String, List<String>> labels) {
        return new AuthorizationRequest(r.account(), r.type(), name, r.service(), r.address(), r.actions(), labels);
    }
}
