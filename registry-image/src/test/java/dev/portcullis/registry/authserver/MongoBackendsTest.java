package dev.portcullis.registry.authserver;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mongo_auth and acl_mongo with the official driver against a MongoDB wire-protocol server (mongo-java-server)
 * started in-process, documents in docker_auth's shapes.
 */
class MongoBackendsTest {
    /**
     * mongo-java-server 1.46 announces MongoDB 4.0 (wire version 7) and the driver 5.x we ship wants 4.2 (wire 8); the
     * commands these backends send (find, and insert in the tests) are the same in both, so it is told to say 4.2.
     */
    static final MongoVersion MONGO_4_2 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 2, 0);
        }

        @Override
        public int getWireVersion() {
            return 8;
        }
    };

    private MongoServer mongo;
    private String addr;
    private MongoClient admin;
    private MongoDatabase db;

    @BeforeEach
    void startMongo() {
        mongo = new MongoServer(new MemoryBackend().version(MONGO_4_2));
        InetSocketAddress a = mongo.bind();
        addr = "127.0.0.1:" + a.getPort();
        admin = MongoClients.create("mongodb://" + addr);
        db = admin.getDatabase("docker_auth");
        db.getCollection("users").insertMany(List.of(
                new Document("username", "alice").append("password", IssuerFixture.hash("alice-pw"))
                        .append("labels", new Document("group", List.of("dev", "ops"))),
                new Document("username", "nopass"),
                new Document("username", "oddlabels").append("password", IssuerFixture.hash("odd-pw")).append("labels", "dev")));
    }

    @AfterEach
    void stopMongo() {
        admin.close();
        mongo.shutdownNow();
    }

    private Map<String, Object> dial() {
        return Map.of("addrs", List.of(addr), "database", "docker_auth", "timeout", "1s");
    }

    private MongoAuthenticator users() throws ConfigException {
        return MongoAuthenticator.open(MongoAuthSettings.fromConfig(Map.of("dial_info", dial()), "mongo_auth."), "mongo_auth.");
    }

    private MongoAcl acl(String ttl) throws ConfigException {
        return MongoAcl.open(MongoAclSettings.fromConfig(Map.of("dial_info", dial(), "cache_ttl", ttl), "acl_mongo."), "acl_mongo.");
    }

    @Test
    void usersFromTheCollection() throws Exception {
        try (MongoAuthenticator users = users(); LogCapture log = new LogCapture(MongoAuthenticator.class)) {
            assertEquals(new PasswordBackend.Allowed(Map.of("group", List.of("dev", "ops"))), users.authenticate("alice", "alice-pw"));
            assertInstanceOf(PasswordBackend.Denied.class, users.authenticate("alice", "wrong"));
            assertInstanceOf(PasswordBackend.NoMatch.class, users.authenticate("mallory", "alice-pw"), "unknown: the next authenticator decides");
            assertInstanceOf(PasswordBackend.NoMatch.class, users.authenticate("{\"$ne\": null}", "x"), "a name is a value, never a query");
            assertEquals(List.of(), log.lines());
            // docker_auth lets a user without a password in with any password; we refuse it, and say so.
            assertInstanceOf(PasswordBackend.Denied.class, users.authenticate("nopass", ""));
            assertInstanceOf(PasswordBackend.Denied.class, users.authenticate("oddlabels", "odd-pw"));
            assertEquals(2, log.lines().size(), log.lines().toString());
        }
    }

    @Test
    void mongoDownFailsClosedWithOneLine() throws Exception {
        try (MongoAuthenticator users = users(); LogCapture log = new LogCapture(MongoAuthenticator.class)) {
            assertInstanceOf(PasswordBackend.Allowed.class, users.authenticate("alice", "alice-pw"));
            mongo.shutdownNow();
            assertInstanceOf(PasswordBackend.Unavailable.class, users.authenticate("alice", "alice-pw"));
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).startsWith("mongo_auth: cannot look up account=alice, login refused"), log.lines().get(0));
            assertFalse(log.lines().get(0).contains("alice-pw"));
        }
    }

    @Test
    void aclEntriesInSeqOrderWithLabels() throws Exception {
        db.getCollection("acl").insertMany(List.of(
                new Document("seq", 30).append("match", new Document("account", "/.+/")).append("actions", List.of("pull")),
                new Document("seq", 10).append("match", new Document("labels", new Document("group", "dev")).append("name", "team/*"))
                        .append("actions", List.of("*")).append("comment", "developers push to team/"),
                new Document("seq", 20).append("match", new Document("name", "team/*")).append("actions", List.of())));
        try (MongoAcl acl = acl("1h")) {
            assertEquals(Optional.of(List.of("pull", "push")), acl.authorize(request("alice", "team/app", Map.of("group", List.of("ops", "dev")))));
            assertEquals(Optional.of(List.of()), acl.authorize(request("bob", "team/app", Map.of("group", List.of("qa")))), "seq 20 denies");
            assertEquals(Optional.of(List.of("pull")), acl.authorize(request("bob", "other/app", Map.of())));
            assertEquals(Optional.empty(), acl.authorize(request("", "other/app", Map.of())), "no entry matches: no opinion");
        }
    }

    @Test
    void aclIsReloadedOnItsIntervalAndKeepsTheLastGoodOne() throws Exception {
        db.getCollection("acl").insertOne(new Document("seq", 1).append("match", new Document("account", "alice")).append("actions", List.of("pull")));
        try (MongoAcl acl = acl("200ms"); LogCapture log = new LogCapture(MongoAcl.class)) {
            assertEquals(Optional.empty(), acl.authorize(request("bob", "x/y", Map.of())));
            db.getCollection("acl").insertOne(new Document("seq", 2).append("match", new Document("account", "bob")).append("actions", List.of("*")));
            long deadline = System.currentTimeMillis() + 10_000;
            while (acl.authorize(request("bob", "x/y", Map.of())).isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(Optional.of(List.of("pull", "push")), acl.authorize(request("bob", "x/y", Map.of())), "the new rule is picked up");

            // A malformed entry keeps the ACL as it was, with one line.
            db.getCollection("acl").insertOne(new Document("match", new Document("account", "carol")).append("actions", List.of("*")));
            log.clear();
            assertFalse(acl.reload());
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).contains(".seq"), log.lines().get(0));
            assertEquals(Optional.of(List.of("pull")), acl.authorize(request("alice", "x/y", Map.of())));
        }
    }

    @Test
    void mongoDownKeepsTheLastAclAndNeverLoadedDeniesAll() throws Exception {
        db.getCollection("acl").insertOne(new Document("seq", 1).append("match", new Document("account", "alice")).append("actions", List.of("pull")));
        try (MongoAcl acl = acl("1h"); LogCapture log = new LogCapture(MongoAcl.class)) {
            mongo.shutdownNow();
            assertFalse(acl.reload());
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).startsWith("acl_mongo: ACL not reloaded, keeping the previous one"), log.lines().get(0));
            assertEquals(Optional.of(List.of("pull")), acl.authorize(request("alice", "x/y", Map.of())));

            log.clear();
            try (MongoAcl never = acl("1h")) {
                assertEquals(1, log.lines().size(), log.lines().toString());
                assertTrue(log.lines().get(0).contains("denying every request until it loads"), log.lines().get(0));
                assertEquals(Optional.of(List.of()), never.authorize(request("alice", "x/y", Map.of())));
                assertEquals(Optional.of(List.of()), never.authorize(request("bob", "anything", Map.of())));
            }
        }
    }

    @Test
    void settingsNameTheKeyOfAMistake(@TempDir Path dir) throws Exception {
        assertEquals("mongo_auth.dial_info.addrs", assertThrows(ConfigException.class,
                () -> MongoAuthSettings.fromConfig(Map.of("dial_info", Map.of("database", "d")), "mongo_auth.")).key());
        assertEquals("mongo_auth.dial_info.database", assertThrows(ConfigException.class,
                () -> MongoAuthSettings.fromConfig(Map.of("dial_info", Map.of("addrs", List.of("h"))), "mongo_auth.")).key());
        assertEquals("acl_mongo.cache_ttl", assertThrows(ConfigException.class,
                () -> MongoAclSettings.fromConfig(Map.of("dial_info", dial(), "cache_ttl", "soon"), "acl_mongo.")).key());
        assertEquals("acl_mongo.dial_info.uri_file", assertThrows(ConfigException.class, () -> MongoAclSettings.fromConfig(
                Map.of("dial_info", Map.of("addrs", List.of("h"), "uri_file", "/u", "database", "d")), "acl_mongo.")).key());
        assertEquals("mongo_auth.dial_info.password", assertThrows(ConfigException.class, () -> MongoAuthSettings.fromConfig(
                Map.of("dial_info", Map.of("addrs", List.of("h"), "database", "d", "password", "inline")), "mongo_auth.")).key(),
                "passwords only from files");
        MongoAuthSettings missingFile = MongoAuthSettings.fromConfig(Map.of("dial_info", Map.of("addrs", List.of(addr),
                "database", "d", "username", "u", "password_file", dir.resolve("nope").toString())), "mongo_auth.");
        assertEquals("mongo_auth.dial_info.password_file", assertThrows(ConfigException.class,
                () -> MongoAuthenticator.open(missingFile, "mongo_auth.")).key());
        Path uri = dir.resolve("uri");
        Files.writeString(uri, "http://user:s3cret@host/\n");
        MongoAuthSettings badUri = MongoAuthSettings.fromConfig(Map.of("dial_info", Map.of("uri_file", uri.toString(), "database", "d")), "mongo_auth.");
        ConfigException e = assertThrows(ConfigException.class, () -> MongoAuthenticator.open(badUri, "mongo_auth."));
        assertEquals("mongo_auth.dial_info.uri_file", e.key());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void uriFileConnects(@TempDir Path dir) throws Exception {
        Path uri = dir.resolve("uri");
        Files.writeString(uri, "mongodb://" + addr + "/?connectTimeoutMS=1000\n");
        MongoAuthSettings s = MongoAuthSettings.fromConfig(Map.of("dial_info", Map.of("uri_file", uri.toString(), "database", "docker_auth")), "mongo_auth.");
        try (MongoAuthenticator users = MongoAuthenticator.open(s, "mongo_auth.")) {
            assertInstanceOf(PasswordBackend.Allowed.class, users.authenticate("alice", "alice-pw"));
        }
    }

    private static AuthorizationRequest request(String account, String name, Map<String, List<String>> labels) {
        return new AuthorizationRequest(account, "repository", name, "registry", "127.0.0.1", List.of("pull", "push"), labels);
    }
}
