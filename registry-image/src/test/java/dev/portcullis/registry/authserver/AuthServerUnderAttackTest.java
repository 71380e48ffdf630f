package dev.portcullis.registry.authserver;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static dev.portcullis.registry.authserver.IssuerFixture.basic;
import static dev.portcullis.registry.authserver.IssuerFixture.get;
import static dev.portcullis.registry.authserver.IssuerFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.TestPki;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/** The token issuer under the attacks of issue 19: concurrent guessing, and refresh tokens that outlive a password. */
class AuthServerUnderAttackTest {
    @TempDir
    Path dir;
    Path usersFile;
    AuthServer server;
    HttpClient http;
    String base;

    @BeforeEach
    void start() throws Exception {
        TestPki pki = new TestPki(dir, "test");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        usersFile = dir.resolve("users.htpasswd");
        // Cost 8: each check takes milliseconds, so concurrent requests really overlap.
        writeUsers("alice:" + hash("alice-pw", 8));
        // Plain HTTP on loopback: the probes measure password checks, not 100 TLS handshakes on a loaded machine.
        Path config = dir.resolve("auth.yml");
        Files.writeString(config, """
                server: {addr: "127.0.0.1:0", idle_timeout: 3s}
                token: {issuer: iss, service: %s, certificate: "%s", key: "%s"}
                users_file: users.htpasswd
                acl:
                  - match: {account: "/.+/"}
                    actions: [pull]
                """.formatted(SERVICE, signing.cert(), signing.key()));
        server = AuthServer.start(AuthServerConfig.load(config));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(60)).build();
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String hash(String password, int cost) {
        return "$2y$" + BCrypt.hashpw(password, BCrypt.gensalt(cost)).substring(4);
    }

    private void writeUsers(String... lines) throws Exception {
        Path next = dir.resolve("users.next");
        Files.writeString(next, String.join("\n", lines) + "\n");
        Files.move(next, usersFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void hundredConcurrentWrongPasswordsFromOneAddressGetAtMostFivePasswordChecks() throws Exception {
        List<CompletableFuture<HttpResponse<Void>>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/auth?service=" + SERVICE + "&scope=repository:x:pull"))
                    .header("Authorization", basic("alice", "guess-" + i)).timeout(Duration.ofSeconds(60)).build();
            answers.add(http.sendAsync(r, HttpResponse.BodyHandlers.discarding()));
        }
        Map<Integer, Integer> byStatus = new TreeMap<>();
        for (CompletableFuture<HttpResponse<Void>> a : answers) {
            byStatus.merge(a.get().statusCode(), 1, Integer::sum);
        }
        int checked = byStatus.getOrDefault(401, 0);
        assertTrue(checked >= 1 && checked <= 5, "password checks (401s) must be at most 5: " + byStatus);
        assertEquals(100 - checked, byStatus.getOrDefault(429, 0), "the rest are throttled: " + byStatus);
    }

    @Test
    void aBurstOfIdenticalGoodLoginsIsNotThrottled() throws Exception {
        List<CompletableFuture<HttpResponse<Void>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/auth?service=" + SERVICE + "&scope=repository:x:pull"))
                    .header("Authorization", basic("alice", "alice-pw")).timeout(Duration.ofSeconds(60)).build();
            answers.add(http.sendAsync(r, HttpResponse.BodyHandlers.discarding()));
        }
        for (CompletableFuture<HttpResponse<Void>> a : answers) {
            assertEquals(200, a.get().statusCode(), "nodes pulling with one robot account are not guessers");
        }
    }

    @Test
    void refreshTokensDieWithThePasswordAndStayDeadWhenTheUserComesBack() throws Exception {
        String refresh = offlineLogin("alice-pw");
        assertEquals(200, refresh(refresh).statusCode(), "valid while the password is unchanged");

        writeUsers("alice:" + hash("alice-new-pw", 4));
        reload();
        HttpResponse<String> refused = refresh(refresh);
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals("invalid_grant", new JsonObject(refused.body()).getString("error"));
        String second = offlineLogin("alice-new-pw");
        assertEquals(200, refresh(second).statusCode());

        // Removed, then added again with the very first password: neither earlier refresh token comes back.
        writeUsers("bob:" + hash("bob-pw", 4));
        reload();
        assertEquals(400, refresh(second).statusCode(), "a removed user's refresh token is dead");
        writeUsers("alice:" + hash("alice-pw", 4));
        reload();
        assertEquals(400, refresh(refresh).statusCode(), "the first token stays dead after the user is re-added");
        assertEquals(400, refresh(second).statusCode());
    }

    @Test
    void seventyStalledTokenRequestsDoNotSlowOthersAndAreClosedAfterTheIdleTimeout() throws Exception {
        String url = base + "/auth?service=" + SERVICE + "&scope=repository:x:pull";
        // Warm: the first token costs the JIT and the signature provider's start, not what is measured here.
        assertEquals(200, get(http, url, basic("alice", "alice-pw")).statusCode());
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                stalled.add(s);
                s.getOutputStream().write(("POST /auth HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                assertEquals(200, get(http, url, basic("alice", "alice-pw")).statusCode());
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 1000, "token request " + i + " took " + millis + " ms behind 70 stalled ones");
            }
            Socket first = stalled.get(0);
            first.setSoTimeout(10_000);
            long start = System.nanoTime();
            int read;
            try {
                read = first.getInputStream().read();
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(-1, read, "closed without an answer");
            assertTrue(millis < 8000, "closed by server.idle_timeout (3s), after " + millis + " ms");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    private String offlineLogin(String password) throws Exception {
        HttpResponse<String> r = post(http, base + "/auth", Map.of("grant_type", "password", "service", SERVICE,
                "client_id", "test", "access_type", "offline", "username", "alice", "password", password));
        assertEquals(200, r.statusCode(), r.body());
        String refresh = new JsonObject(r.body()).getString("refresh_token");
        assertNotNull(refresh);
        return refresh;
    }

    private HttpResponse<String> refresh(String token) throws Exception {
        return post(http, base + "/auth", Map.of("grant_type", "refresh_token", "service", SERVICE, "client_id", "test",
                "scope", "repository:x:pull", "refresh_token", token));
    }

    /** Applies the users file now, as the reload timer would within {@code server.reload_interval}. */
    private void reload() {
        server.reloadIfChanged();
    }
}
