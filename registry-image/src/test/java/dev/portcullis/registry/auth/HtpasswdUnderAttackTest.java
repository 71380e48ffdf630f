package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The htpasswd scheme under the attacks of issue 19: concurrent guessing, lockout of others, revocation while every
 * client is served from the credential cache (the file replaced by rename, and by a Secret volume's symlink swap).
 */
class HtpasswdUnderAttackTest {
    private static final String ALICE_PW = "alice-Secret-1";
    private static final String BOB_PW = "bob-Secret-2";

    @TempDir
    Path dir;
    RunningRegistry registry;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static String line(String user, String password, int cost) {
        return user + ":" + BCrypt.hashpw(password, BCrypt.gensalt(cost)).replace("$2a$", "$2y$");
    }

    private RegistryHttp start(Path htpasswd) throws Exception {
        registry = RunningRegistry.start(dir, """
                auth:
                  htpasswd:
                    realm: test-realm
                    path: %s
                """.formatted(htpasswd));
        return new RegistryHttp(registry.url());
    }

    private static void replaceByRename(Path target, String... lines) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "htpasswd", ".tmp");
        Files.writeString(tmp, String.join("\n", lines) + "\n");
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void hundredConcurrentWrongPasswordsFromOneAddressGetAtMostFivePasswordChecks() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        // Cost 8: each check takes milliseconds, so the requests really overlap.
        replaceByRename(htpasswd, line("alice", ALICE_PW, 8));
        start(htpasswd);
        // All connections first, then every request at once: the burst arrives well within the first lockout (1 s)
        // however slowly a loaded machine opens connections.
        List<Socket> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                Socket s = new Socket("127.0.0.1", registry.port());
                s.setSoTimeout(60_000);
                connections.add(s);
            }
            for (int i = 0; i < 100; i++) {
                OutputStream out = connections.get(i).getOutputStream();
                out.write(("GET /v2/ HTTP/1.1\r\nHost: " + registry.hostPort() + "\r\nAuthorization: "
                        + basic("alice", "guess-" + i) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            Map<Integer, Integer> byStatus = new TreeMap<>();
            for (Socket s : connections) {
                String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                byStatus.merge(Integer.parseInt(head.substring(9, 12)), 1, Integer::sum);
            }
            int checked = byStatus.getOrDefault(401, 0);
            assertTrue(checked >= 1 && checked <= 5, "password checks (401s) must be at most 5: " + byStatus);
            assertEquals(100 - checked, byStatus.getOrDefault(429, 0), "the rest are throttled: " + byStatus);
        } finally {
            for (Socket s : connections) {
                s.close();
            }
        }
    }

    @Test
    void aBurstOfIdenticalGoodLoginsCostsOneCheckAndIsNotThrottled() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        replaceByRename(htpasswd, line("alice", ALICE_PW, 8));
        start(htpasswd);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<Void>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(registry.url() + "/v2/"))
                    .header("Authorization", basic("alice", ALICE_PW)).timeout(Duration.ofSeconds(60)).build();
            answers.add(client.sendAsync(r, HttpResponse.BodyHandlers.discarding()));
        }
        for (CompletableFuture<HttpResponse<Void>> a : answers) {
            assertEquals(200, a.get().statusCode(), "a node fleet pulling with one robot account is not a guesser");
        }
    }

    @Test
    void aGuesserLocksOutOnlyItsOwnAddressForThatUser() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        replaceByRename(htpasswd, line("alice", ALICE_PW, 4), line("bob", BOB_PW, 4));
        start(htpasswd);
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < 5; i++) {
            assertEquals(401, statusFrom(attacker, "alice", "guess-" + i));
        }
        assertEquals(429, statusFrom(attacker, "alice", "guess-6"));
        assertEquals(200, statusFrom(InetAddress.getByName("127.0.0.3"), "alice", ALICE_PW),
                "alice from another address is not locked out (not cached before: a real check)");
        assertEquals(200, statusFrom(attacker, "bob", BOB_PW),
                "another user behind the guesser's address (a CI NAT) is not locked out");
    }

    @Test
    void removedUserIsRefusedWithinFiveSecondsThoughCached() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        replaceByRename(htpasswd, line("alice", ALICE_PW, 4), line("bob", BOB_PW, 4));
        RegistryHttp alice = start(htpasswd).as(null, "alice", ALICE_PW);
        assertEquals(200, alice.get("/v2/").statusCode());
        assertEquals(200, alice.get("/v2/").statusCode(), "now cached");
        replaceByRename(htpasswd, line("bob", BOB_PW, 4));
        assertRefusedWithinFiveSeconds(alice);
    }

    @Test
    void changedPasswordRefusesTheOldOneWithinFiveSecondsThoughCached() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        replaceByRename(htpasswd, line("alice", ALICE_PW, 4));
        RegistryHttp alice = start(htpasswd).as(null, "alice", ALICE_PW);
        assertEquals(200, alice.get("/v2/").statusCode());
        replaceByRename(htpasswd, line("alice", "alice-New-3", 4));
        assertRefusedWithinFiveSeconds(alice);
        assertEquals(200, alice.as(null, "alice", "alice-New-3").get("/v2/").statusCode());
    }

    /** A Secret volume: htpasswd -> ..data/htpasswd, ..data -> ..v1; the kubelet swaps ..data to a new directory. */
    @Test
    void secretVolumeSymlinkSwapRevokesWithinFiveSecondsThoughCached() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("secret"));
        Files.createDirectories(volume.resolve("..v1"));
        Files.writeString(volume.resolve("..v1/htpasswd"), line("alice", ALICE_PW, 4) + "\n" + line("bob", BOB_PW, 4) + "\n");
        Files.createSymbolicLink(volume.resolve("..data"), Path.of("..v1"));
        Files.createSymbolicLink(volume.resolve("htpasswd"), Path.of("..data/htpasswd"));
        RegistryHttp http = start(volume.resolve("htpasswd"));
        RegistryHttp alice = http.as(null, "alice", ALICE_PW);
        assertEquals(200, alice.get("/v2/").statusCode());

        Files.createDirectories(volume.resolve("..v2"));
        Files.writeString(volume.resolve("..v2/htpasswd"), line("bob", BOB_PW, 4) + "\n");
        Files.createSymbolicLink(volume.resolve("..data_tmp"), Path.of("..v2"));
        Files.move(volume.resolve("..data_tmp"), volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        assertRefusedWithinFiveSeconds(alice);
        assertEquals(200, http.as(null, "bob", BOB_PW).get("/v2/").statusCode());
    }

    @Test
    void unknownUsersCostTheHighestCostInTheFile() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        replaceByRename(htpasswd, line("slow", "x", 6), line("fast", "y", 4));
        HtpasswdFile file = new HtpasswdFile(htpasswd, () -> { });
        assertEquals(6, Bcrypt.cost(file.dummyHash()), "the last line's cost would let unknown users answer faster");
        // Well-formed, so the check runs a full bcrypt of that cost, and matched by no password.
        assertTrue(Bcrypt.isBcrypt(file.dummyHash()), file.dummyHash());
        for (String password : new String[] {"", "x", "y", "portcullis-dummy"}) {
            assertFalse(Bcrypt.check(password, file.dummyHash()), password);
        }
    }

    /**
     * With anonymous pull, the base endpoint still challenges: a client that got 200 there would never send its
     * credentials (skopeo and docker ping /v2/ first), so `skopeo login` accepted any password and pushes failed.
     * Anonymous pulls go on: without credentials, or with the empty pair containers/image sends when it has none.
     */
    @Test
    void withAnonymousPullTheBaseChallengesSoThatLoginsAreChecked() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        replaceByRename(htpasswd, line("alice", ALICE_PW, 4));
        registry = RunningRegistry.start(dir, """
                auth:
                  htpasswd:
                    realm: test-realm
                    path: %s
                  anonymous:
                    pull: true
                """.formatted(htpasswd));
        RegistryHttp anonymous = new RegistryHttp(registry.url());
        RegistryHttp alice = anonymous.as(null, "alice", ALICE_PW);
        alice.pushImage("pub/app", "v1", "layer".getBytes());

        HttpResponse<byte[]> ping = anonymous.get("/v2/");
        assertEquals(401, ping.statusCode());
        assertEquals("Basic realm=\"test-realm\"", ping.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(401, anonymous.as(null, "alice", "wrong-password").get("/v2/").statusCode());
        assertEquals(200, alice.get("/v2/").statusCode());
        assertEquals(200, anonymous.get("/v2/pub/app/manifests/v1").statusCode(), "anonymous pull goes on");
        assertEquals(200, anonymous.get("/v2/pub/app/manifests/v1", "Authorization", "Basic Og==").statusCode(),
                "the empty pair skopeo sends without credentials is no login");

        String skopeo = RequiredTool.SKOPEO.require();
        Path authfile = dir.resolve("auth.json");
        Exec.Result wrong = Exec.run(List.of(skopeo, "login", "--tls-verify=false", "--authfile", authfile.toString(),
                "-u", "alice", "-p", "wrong-password", registry.hostPort()), Duration.ofSeconds(60), Set.of("wrong-password"), env -> { });
        assertTrue(wrong.exitCode() != 0, "skopeo login with a wrong password must fail: " + wrong.output());
        Exec.Result right = Exec.run(List.of(skopeo, "login", "--tls-verify=false", "--authfile", authfile.toString(),
                "-u", "alice", "-p", ALICE_PW, registry.hostPort()), Duration.ofSeconds(60), Set.of(ALICE_PW), env -> { });
        assertEquals(0, right.exitCode(), right.output());
        Exec.Result pull = Exec.run(List.of(skopeo, "inspect", "--tls-verify=false", "--no-creds",
                "docker://" + registry.hostPort() + "/pub/app:v1"), Duration.ofSeconds(60), Set.of(), env -> { });
        assertEquals(0, pull.exitCode(), "skopeo pulls anonymously: " + pull.output());
    }

    private static void assertRefusedWithinFiveSeconds(RegistryHttp client) throws Exception {
        long start = System.nanoTime();
        int status = client.get("/v2/").statusCode();
        while (status == 200 && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(100);
            status = client.get("/v2/").statusCode();
        }
        assertEquals(401, status, "still accepted after " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** GET /v2/ from a chosen loopback address (127.0.0.0/8 all reach the listener on Linux). */
    private int statusFrom(InetAddress from, String user, String password) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", registry.port()), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: " + registry.hostPort() + "\r\nAuthorization: " + basic(user, password)
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
