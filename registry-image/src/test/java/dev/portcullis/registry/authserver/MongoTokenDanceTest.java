package dev.portcullis.registry.authserver;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.portcullis.registry.clients.ContainerdNode;
import dev.portcullis.registry.clients.Exec;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.testsupport.TestPki;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * skopeo and ctr log in, push and pull through a Portcullis registry with {@code auth.token}, the tokens coming from our
 * issuer with the accounts in MongoDB ({@code mongo_auth}, docker_auth's user documents); a group's namespace is granted
 * from the document's labels.
 */
class MongoTokenDanceTest {
    @TempDir
    static Path dir;
    static MongoServer mongo;
    static AuthServer issuer;
    static TokenModeRegistry registry;
    static Path image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        mongo = new MongoServer(new MemoryBackend().version(MongoBackendsTest.MONGO_4_2));
        String addr = "127.0.0.1:" + mongo.bind().getPort();
        try (MongoClient admin = MongoClients.create("mongodb://" + addr)) {
            admin.getDatabase("docker_auth").getCollection("users").insertMany(List.of(
                    new Document("username", "alice").append("password", IssuerFixture.hash("alice-mongo-pw"))
                            .append("labels", new Document("group", List.of("developers"))),
                    new Document("username", "bob").append("password", IssuerFixture.hash("bob-mongo-pw"))
                            .append("labels", new Document("group", List.of("developers")))));
        }
        TestPki pki = new TestPki(dir, "mongo-dance");
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), pki.signing(dir, "token-signing", TestPki.Alg.EC), null, """
                acl:
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                  - match: {account: "/.+/", name: "${labels:group}/*"}
                    actions: ["push", "pull"]
                mongo_auth:
                  dial_info: {addrs: ["%s"], database: docker_auth, timeout: 1s}
                """.formatted(addr));
        issuer = AuthServer.start(AuthServerConfig.load(config));
        registry = TokenModeRegistry.start(dir, pki, issuer);
        image = TokenModeRegistry.randomImage(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        TokenModeRegistry.closeAll(registry, issuer, mongo == null ? null : mongo::shutdownNow);
    }

    @Test
    void mongoUserLogsInPushesAndPulls() throws Exception {
        Path alice = registry.login("alice", "alice-mongo-pw");
        TokenModeRegistry.Exit push = registry.copy(alice, "oci:" + image + ":latest", registry.ref("alice/app:v1"));
        assertEquals(0, push.code(), push.output());
        TokenModeRegistry.Exit pull = registry.copy(alice, registry.ref("alice/app:v1"), "oci:" + dir.resolve("pulled") + ":latest");
        assertEquals(0, pull.code(), pull.output());
        assertEquals(TokenModeRegistry.blobs(image), TokenModeRegistry.blobs(dir.resolve("pulled")));
    }

    @Test
    void groupNamespaceFromTheDocumentsLabelsAndNothingElse() throws Exception {
        Path bob = registry.login("bob", "bob-mongo-pw");
        TokenModeRegistry.Exit group = registry.copy(bob, "oci:" + image + ":latest", registry.ref("developers/tool:v1"));
        assertEquals(0, group.code(), "bob's labels put him in developers: " + group.output());
        TokenModeRegistry.Exit other = registry.copy(bob, "oci:" + image + ":latest", registry.ref("admins/tool:v1"));
        assertNotEquals(0, other.code(), "bob is not in admins: " + other.output());
    }

    @Test
    void ctrPullsAndPushesWithAMongoAccountThroughTheOAuth2Dance() throws Exception {
        RequiredTool.CONTAINERD.require();
        RequiredTool.CTR.require();
        TokenModeRegistry.Exit seed = registry.copy(registry.login("alice", "alice-mongo-pw"), "oci:" + image + ":latest", registry.ref("alice/ctr:v1"));
        assertEquals(0, seed.code(), seed.output());
        String host = registry.hostPort();
        Path hostsDir = registry.hostsDir("pull", "resolve", "push");
        Set<String> secrets = Set.of("alice-mongo-pw", "bob-mongo-pw");
        Duration slow = Duration.ofSeconds(180);
        try (ContainerdNode ctd = ContainerdNode.start()) {
            Exec.Result r = ctd.ctr(List.of("images", "pull", "--hosts-dir", hostsDir.toString(), "--user", "alice:alice-mongo-pw",
                    "--snapshotter", "native", host + "/alice/ctr:v1"), secrets, slow);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/ctr:v1", host + "/alice/from-ctr:v1"), secrets,
                    Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "alice:alice-mongo-pw",
                    host + "/alice/from-ctr:v1"), secrets, slow);
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(0, ctd.ctr(List.of("images", "tag", host + "/alice/ctr:v1", host + "/alice/by-bob:v1"), secrets,
                    Duration.ofSeconds(30)).exitCode());
            r = ctd.ctr(List.of("images", "push", "--hosts-dir", hostsDir.toString(), "--user", "bob:bob-mongo-pw",
                    host + "/alice/by-bob:v1"), secrets, slow);
            assertNotEquals(0, r.exitCode(), "bob may not push into alice's namespace: " + r.output());
        }
    }

    @Test
    void wrongMongoPasswordCannotLogIn() throws Exception {
        TokenModeRegistry.Exit login = registry.tryLogin("alice", "not-her-password", dir.resolve("wrong.json"));
        assertNotEquals(0, login.code(), login.output());
    }
}
