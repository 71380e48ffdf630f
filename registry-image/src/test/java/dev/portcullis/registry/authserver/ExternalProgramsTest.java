package dev.portcullis.registry.authserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
    private LoginBackend authn;
    private AccessBackend authz;

    @BeforeEach
    void programs() throws Exception {
        authn = ExternalAuthSettings.parse(section("ext_auth", "ext_auth.sh")).start();
        authz = ExternalAuthzSettings.parse(section("ext_authz", "ext_authz.py")).start();
    }

    private ConfigSection section(String name, String script) throws Exception {
        Path p = Path.of(getClass().getResource("/ext/" + script).toURI());
        assertTrue(p.toFile().setExecutable(true), "chmod +x " + p);
        return new ConfigSection(name, Map.of("command", p.toString(), "args", List.of(markers.toString()),
                "timeout", TIMEOUT.toMillis() + "ms"), null);
    }

    private LoginResult login(String account, String password) {
        return authn.authenticate(account, password, "127.0.0.1");
    }

    @Test
    void exitStatusDecidesAndLabelsComeFromStdout() {
        assertEquals(LoginResult.allowed(Map.of("group", List.of("dev", "ops"))), login("alice", "right pw"));
        assertEquals(LoginResult.denied(), login("alice", "wrong"));
        assertEquals(LoginResult.noMatch(), login("stranger", "whatever"));
        assertEquals(LoginResult.Outcome.ALLOWED, login("spaces", "a b  c").outcome(), "a password with spaces arrives whole");
        assertEquals(LoginResult.Outcome.ALLOWED, login("envcheck", "x").outcome(), "the environment is empty");
    }

    @Test
    void aPasswordWithALineBreakNeverReachesTheProgram() {
        // Read line by line, "right pw" would be all the script sees: it must not run at all.
        assertEquals(LoginResult.denied(), login("alice", "right pw\nalice right pw"));
        assertEquals(LoginResult.denied(), login("alice", "right pw\r"));
        assertEquals(LoginResult.denied(), login("alice right", "pw"), "an account with a space would shift the fields");
        assertFalse(Files.exists(markers.resolve("ran-alice")), "the program was not run");
    }

    @Test
    void aHangingProgramIsKilledWithItsChildrenAndFailsClosed() throws Exception {
        long start = System.nanoTime();
        LoginResult r = login("hang", "secret-hang-pw");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(LoginResult.Outcome.ERROR, r.outcome());
        assertTrue(took.compareTo(TIMEOUT) >= 0 && took.compareTo(TIMEOUT.plusSeconds(5)) < 0, "took " + took);
        long child = Long.parseLong(Files.readString(markers.resolve("child.pid")).strip());
        Optional<ProcessHandle> h = ProcessHandle.of(child);
        assertTrue(h.isEmpty() || h.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS) != null, "the child was killed");
        assertTrue(r.detail().contains("did not finish within 3000 ms"), r.detail());
        assertFalse(r.detail().contains("secret-hang-pw"));
    }

    @Test
    void crashesHugeOutputGarbageAndOddExitCodesFailClosed() {
        for (String account : List.of("crash", "huge", "garbage", "weird")) {
            LoginResult r = login(account, "pw-" + account);
            assertEquals(LoginResult.Outcome.ERROR, r.outcome(), account);
            assertFalse(r.detail().contains("pw-" + account), r.detail());
            assertFalse(r.detail().contains("\n"), r.detail());
            if (account.equals("crash")) {
                assertTrue(r.detail().contains("was killed by signal 11"), r.detail());
            }
        }
    }

    /** Through the issuer's login chain: the crash is one log line without the password, and the login is refused (503). */
    @Test
    void aCrashingProgramRefusesTheLoginWithOneLogLine() {
        Authenticator chain = new Authenticator(new UserStore(Map.of()), List.of(),
                new LoginThrottle(100, 1000, Duration.ofMinutes(1), Duration.ofMinutes(1), Clock.systemUTC()),
                List.of(authn), new IssuerMetrics());
        try (LogCapture log = new LogCapture(Authenticator.class)) {
            assertInstanceOf(Authenticator.Unavailable.class, chain.login("crash", "pw-crash", "10.0.0.9"));
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).contains("backend=ext_auth"), log.lines().get(0));
            assertFalse(log.lines().get(0).contains("pw-crash"), log.lines().get(0));
        }
    }

    @Test
    void ext_authzGetsDockerAuthsRequestInfoAndGrantsOnlyWhatWasAsked() throws Exception {
        AccessRequest r = new AccessRequest("alice", "repository", "open/app", "registry", "10.1.2.3",
                List.of("pull", "push"), Map.of("group", List.of("dev")));
        assertEquals(AccessDecision.matched(List.of("pull")), authz.authorize(r));
        @SuppressWarnings("unchecked")
        Map<String, Object> seen = new ObjectMapper().readValue(markers.resolve("last-request.json").toFile(), Map.class);
        assertEquals(Map.of("Account", "alice", "Type", "repository", "Name", "open/app", "Service", "registry",
                "IP", "10.1.2.3", "Actions", List.of("pull", "push"), "Labels", Map.of("group", List.of("dev"))), seen);

        assertEquals(AccessDecision.matched(List.of("pull", "push")), authz.authorize(with(r, "everything/x", Map.of())));
        assertEquals(AccessDecision.matched(List.of("pull")), authz.authorize(
                new AccessRequest("bob", "repository", "greedy/x", "registry", null, List.of("pull"), Map.of())));
        assertEquals(AccessDecision.matched(List.of("pull", "push")), authz.authorize(with(r, "team/app", Map.of("group", List.of("dev")))));
        assertEquals(AccessDecision.matched(List.of()), authz.authorize(with(r, "team/app", Map.of("group", List.of("qa")))));
        assertEquals(AccessDecision.matched(List.of()), authz.authorize(with(r, "closed/app", Map.of())));
        assertEquals(AccessDecision.noMatch(), authz.authorize(with(r, "somewhere/else", Map.of())), "exit 2: no opinion");
    }

    @Test
    void ext_authzFailuresGrantNothing() {
        AccessRequest r = new AccessRequest("alice", "repository", "x", "registry", null, List.of("pull"), Map.of());
        for (String name : List.of("garbage/x", "crash/x", "hang/x")) {
            AccessDecision d = authz.authorize(with(r, name, Map.of()));
            assertEquals(AccessDecision.Outcome.ERROR, d.outcome(), name);
            assertEquals(List.of(), d.actions(), name);
            assertFalse(d.detail().isBlank(), name);
        }
    }

    @Test
    void settingsNameTheKeyOfAMistake() {
        assertEquals("ext_auth.command", assertThrows(ConfigException.class,
                () -> ExternalAuthSettings.parse(new ConfigSection("ext_auth", Map.of("args", List.of()), null))).key());
        assertEquals("ext_auth.command", assertThrows(ConfigException.class,
                () -> ExternalAuthSettings.parse(new ConfigSection("ext_auth", Map.of("command", "auth.sh"), null))).key());
        assertEquals("ext_authz.timeout", assertThrows(ConfigException.class,
                () -> ExternalAuthzSettings.parse(new ConfigSection("ext_authz", Map.of("command", "/bin/true", "timeout", "0s"), null))).key());
        assertEquals("ext_authz.shell", assertThrows(ConfigException.class,
                () -> ExternalAuthzSettings.parse(new ConfigSection("ext_authz", Map.of("command", "/bin/true", "shell", true), null))).key());
        assertEquals("ext_auth.command", assertThrows(ConfigException.class, () -> ExternalAuthSettings.parse(
                new ConfigSection("ext_auth", Map.of("command", markers.resolve("missing").toString()), null)).start()).key());
    }

    private static AccessRequest with(AccessRequest r, String name, Map<String, List<String>> labels) {
        return new AccessRequest(r.account(), r.type(), name, r.service(), r.ip(), r.actions(), labels);
    }
}
