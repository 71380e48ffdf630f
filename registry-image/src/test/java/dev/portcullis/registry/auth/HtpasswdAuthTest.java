package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/** Basic auth against an htpasswd file: challenge, reload, throttling, pull-only users, anonymous pull, no leaks. */
class HtpasswdAuthTest {
    private static final String ALICE_PW = "alice-Secret-1";
    private static final String ROBOT_PW = "robot-Secret-2";

    @TempDir
    Path dir;
    Path htpasswd;
    RunningRegistry registry;
    final List<String> logged = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            synchronized (logged) {
                logged.add(r.getMessage() + " " + (r.getThrown() == null ? "" : r.getThrown()));
            }
        }

        @Override
        public void flush() { }

        @Override
        public void close() { }
    };

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("").addHandler(capture);
        Logger.getLogger("").setLevel(Level.ALL);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("").removeHandler(capture);
        Logger.getLogger("").setLevel(Level.INFO);
        if (registry != null) {
            registry.close();
        }
        synchronized (logged) {
            for (String line : logged) {
                for (String secret : List.of(ALICE_PW, ROBOT_PW, "wrong-password", "new-Alice-3")) {
                    assertFalse(line.contains(secret), "a password reached the log: " + line);
                }
                assertFalse(line.contains("Basic "), "an Authorization header reached the log: " + line);
            }
        }
    }

    private RegistryHttp start(String extraAuth) throws Exception {
        htpasswd = dir.resolve("htpasswd");
        writeUsers("alice:" + BCrypt.hashpw(ALICE_PW, BCrypt.gensalt(4)).replace("$2a$", "$2y$"),
                "robot:" + BCrypt.hashpw(ROBOT_PW, BCrypt.gensalt(4)));
        registry = RunningRegistry.start(dir, """
                auth:
                  htpasswd:
                    realm: test-realm
                    path: %s
                    pullonly: [robot]
                """.formatted(htpasswd) + extraAuth);
        return new RegistryHttp(registry.url());
    }

    private void writeUsers(String... lines) throws Exception {
        Path tmp = Files.createTempFile(dir, "htpasswd", ".tmp");
        Files.writeString(tmp, String.join("\n", lines) + "\n");
        Files.move(tmp, dir.resolve("htpasswd"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void challengeThenLoginThenPush() throws Exception {
        RegistryHttp anonymous = start("");
        HttpResponse<byte[]> r = anonymous.get("/v2/");
        assertEquals(401, r.statusCode());
        assertEquals("UNAUTHORIZED", RegistryHttp.errorCode(r));
        assertEquals("Basic realm=\"test-realm\"", r.headers().firstValue("WWW-Authenticate").orElseThrow());

        RegistryHttp alice = anonymous.as(null, "alice", ALICE_PW);
        assertEquals(200, alice.get("/v2/").statusCode());
        alice.pushImage("team/app", "v1", "layer".getBytes());
        assertEquals(200, alice.get("/v2/team/app/manifests/v1").statusCode());
        assertEquals(401, anonymous.get("/v2/team/app/manifests/v1").statusCode());
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameAnswer() throws Exception {
        RegistryHttp anonymous = start("");
        HttpResponse<byte[]> wrong = anonymous.as(null, "alice", "wrong-password").get("/v2/");
        HttpResponse<byte[]> unknown = anonymous.as(null, "mallory", "wrong-password").get("/v2/");
        assertEquals(401, wrong.statusCode());
        assertEquals(401, unknown.statusCode());
        assertEquals(new String(wrong.body()), new String(unknown.body()));
    }

    @Test
    void changedPasswordTakesEffectWithoutRestartEvenWhenCached() throws Exception {
        RegistryHttp anonymous = start("");
        RegistryHttp oldAlice = anonymous.as(null, "alice", ALICE_PW);
        assertEquals(200, oldAlice.get("/v2/").statusCode());
        writeUsers("alice:" + BCrypt.hashpw("new-Alice-3", BCrypt.gensalt(4)));
        RegistryHttp newAlice = anonymous.as(null, "alice", "new-Alice-3");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (newAlice.get("/v2/").statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(200, newAlice.get("/v2/").statusCode());
        assertEquals(401, oldAlice.get("/v2/").statusCode(), "the cached old password must be forgotten");
        assertEquals(401, anonymous.as(null, "robot", ROBOT_PW).get("/v2/").statusCode(), "a removed user is gone");
    }

    @Test
    void repeatedFailuresAreThrottledButKnownGoodCredentialsStillWork() throws Exception {
        RegistryHttp anonymous = start("");
        RegistryHttp alice = anonymous.as(null, "alice", ALICE_PW);
        assertEquals(200, alice.get("/v2/").statusCode());
        RegistryHttp guesser = anonymous.as(null, "alice", "wrong-password");
        int throttled = 0;
        for (int i = 0; i < 8; i++) {
            HttpResponse<byte[]> r = guesser.get("/v2/");
            if (r.statusCode() == 429) {
                throttled++;
                assertEquals("TOOMANYREQUESTS", RegistryHttp.errorCode(r));
                assertTrue(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow()) >= 1);
            } else {
                assertEquals(401, r.statusCode());
            }
        }
        assertTrue(throttled >= 2, "guessing is throttled after a few failures");
        assertEquals(200, alice.get("/v2/").statusCode(), "cached good credentials are not locked out");
    }

    @Test
    void pullOnlyUserCanPullButNotPush() throws Exception {
        RegistryHttp anonymous = start("");
        anonymous.as(null, "alice", ALICE_PW).pushImage("shared/app", "v1", "l".getBytes());
        RegistryHttp robot = anonymous.as(null, "robot", ROBOT_PW);
        assertEquals(200, robot.get("/v2/shared/app/manifests/v1").statusCode());
        HttpResponse<byte[]> push = robot.send("POST", "/v2/shared/app/blobs/uploads/", new byte[0]);
        assertEquals(403, push.statusCode());
        assertEquals("DENIED", RegistryHttp.errorCode(push));
        HttpResponse<byte[]> delete = robot.send("DELETE", "/v2/shared/app/manifests/v1", null);
        assertEquals(403, delete.statusCode());
    }

    @Test
    void anonymousPullOfChosenRepositoriesWhileAuthenticatedClientsPush() throws Exception {
        RegistryHttp anonymous = start("""
                  anonymous:
                    pull: true
                    repositories: ["public/*"]
                """);
        RegistryHttp alice = anonymous.as(null, "alice", ALICE_PW);
        alice.pushImage("public/tool", "v1", "l".getBytes());
        alice.pushImage("private/tool", "v1", "l".getBytes());
        assertEquals(200, anonymous.get("/v2/public/tool/manifests/v1").statusCode());
        assertEquals(401, anonymous.get("/v2/private/tool/manifests/v1").statusCode());
        HttpResponse<byte[]> push = anonymous.send("POST", "/v2/public/tool/blobs/uploads/", new byte[0]);
        assertEquals(401, push.statusCode());
        assertEquals(401, anonymous.as(null, "alice", "wrong-password").get("/v2/public/tool/manifests/v1").statusCode(),
                "credentials that are sent are checked, even for public repositories");
    }
}
