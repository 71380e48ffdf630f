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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private static MongoAuthSettings authSettings(Map<String, Object> section) throws ConfigException {
        return MongoAuthSettings.parse(new ConfigSection("mongo_auth", section, null));
    }

    private static MongoAclSettings aclSettings(Map<String, Object> section) throws ConfigException {
        return MongoAclSettings.parse(new ConfigSection("acl_mongo", section, null));
    }

    private LoginBackend users() throws ConfigException {
        return authSettings(Map.of("dial_info", dial())).start();
    }

    private MongoAclBackend acl(String ttl) throws ConfigException {
        return (MongoAclBackend) aclSettings(Map.of("dial_info", dial(), "cache_ttl", ttl)).start();
    }

    private static LoginResult.Outcome login(LoginBackend users, String account, String password) {
        return users.authenticate(account, password, "127.0.0.1").outcome();
    }

    @Test
    void usersFromTheCollection() throws Exception {
        try (LoginBackend users = users(); LogCapture log = new LogCapture(MongoLoginBackend.class)) {
            assertEquals(LoginResult.allowed(Map.of("group", List.of("dev", "ops"))), users.authenticate("alice", "alice-pw", "127.0.0.1"));
            assertEquals(LoginResult.Outcome.DENIED, login(users, "alice", "wrong"));
            assertEquals(LoginResult.Outcome.NO_MATCH, login(users, "mallory", "alice-pw"), "unknown: the next backend decides");
            assertEquals(LoginResult.Outcome.NO_MATCH, login(users, "{\"$ne\": null}", "x"), "a name is a value, never a query");
            assertEquals(List.of(), log.lines());
            // docker_auth lets a user without a password in with any password; we refuse it, and say so.
            assertEquals(LoginResult.Outcome.DENIED, login(users, "nopass", ""));
            assertEquals(LoginResult.Outcome.DENIED, login(users, "oddlabels", "odd-pw"));
            assertEquals(2, log.lines().size(), log.lines().toString());
        }
    }

    @Test
    void mongoDownFailsClosedWithAOneLineError() throws Exception {
        try (LoginBackend users = users(); LogCapture log = new LogCapture(MongoLoginBackend.class)) {
            assertEquals(LoginResult.Outcome.ALLOWED, login(users, "alice", "alice-pw"));
            mongo.shutdownNow();
            LoginResult down = users.authenticate("alice", "alice-pw", "127.0.0.1");
            assertEquals(LoginResult.Outcome.ERROR, down.outcome());
            assertTrue(down.detail().startsWith("cannot look up the account: "), down.detail());
            assertFalse(down.detail().contains("\n"), "one line for the chain's log line");
            assertFalse(down.detail().contains("alice-pw"));
            assertEquals(List.of(), log.lines(), "the chain logs the error, not the backend");
        }
    }

    @Test
    void aclEntriesInSeqOrderWithLabels() throws Exception {
        db.getCollection("acl").insertMany(List.of(
                new Document("seq", 30).append("match", new Document("account", "/.+/")).append("actions", List.of("pull")),
                new Document("seq", 10).append("match", new Document("labels", new Document("group", "dev")).append("name", "team/*"))
                        .append("actions", List.of("*")).append("comment", "developers push to team/"),
                new Document("seq", 20).append("match", new Document("name", "team/*")).append("actions", List.of())));
        try (MongoAclBackend acl = acl("1h")) {
            assertEquals(AccessDecision.matched(List.of("pull", "push")), acl.authorize(request("alice", "team/app", Map.of("group", List.of("ops", "dev")))));
            assertEquals(AccessDecision.matched(List.of()), acl.authorize(request("bob", "team/app", Map.of("group", List.of("qa")))), "seq 20 denies");
            assertEquals(AccessDecision.matched(List.of("pull")), acl.authorize(request("bob", "other/app", Map.of())));
            assertEquals(AccessDecision.noMatch(), acl.authorize(request("", "other/app", Map.of())), "no entry matches: no opinion");
        }
    }

    @Test
    void aclIsReloadedOnItsIntervalAndKeepsTheLastGoodOne() throws Exception {
        db.getCollection("acl").insertOne(new Document("seq", 1).append("match", new Document("account", "alice")).append("actions", List.of("pull")));
        try (MongoAclBackend acl = acl("200ms"); LogCapture log = new LogCapture(MongoAclBackend.class)) {
            assertEquals(AccessDecision.noMatch(), acl.authorize(request("bob", "x/y", Map.of())));
            db.getCollection("acl").insertOne(new Document("seq", 2).append("match", new Document("account", "bob")).append("actions", List.of("*")));
            long deadline = System.currentTimeMillis() + 10_000;
            while (acl.authorize(request("bob", "x/y", Map.of())).outcome() == AccessDecision.Outcome.NO_MATCH
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(AccessDecision.matched(List.of("pull", "push")), acl.authorize(request("bob", "x/y", Map.of())), "the new rule is picked up");

            // A malformed entry keeps the ACL as it was, with one line.
            db.getCollection("acl").insertOne(new Document("match", new Document("account", "carol")).append("actions", List.of("*")));
            log.clear();
            assertFalse(acl.reload());
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).contains(".seq"), log.lines().get(0));
            assertEquals(AccessDecision.matched(List.of("pull")), acl.authorize(request("alice", "x/y", Map.of())));
        }
    }

    @Test
    void mongoDownKeepsTheLastAclAndNeverLoadedDeniesAll() throws Exception {
        db.getCollection("acl").insertOne(new Document("seq", 1).append("match", new Document("account", "alice")).append("actions", List.of("pull")));
        try (MongoAclBackend acl = acl("1h"); LogCapture log = new LogCapture(MongoAclBackend.class)) {
            mongo.shutdownNow();
            assertFalse(acl.reload());
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertTrue(log.lines().get(0).startsWith("acl_mongo: ACL not reloaded, keeping the previous one"), log.lines().get(0));
            assertEquals(AccessDecision.matched(List.of("pull")), acl.authorize(request("alice", "x/y", Map.of())));

            log.clear();
            try (MongoAclBackend never = acl("1h")) {
                assertEquals(1, log.lines().size(), log.lines().toString());
                assertTrue(log.lines().get(0).contains("denying every request until it loads"), log.lines().get(0));
                // ERROR stops the access chain: nothing granted, and no later backend is asked.
                assertEquals(AccessDecision.Outcome.ERROR, never.authorize(request("alice", "x/y", Map.of())).outcome());
                assertEquals(AccessDecision.Outcome.ERROR, never.authorize(request("bob", "anything", Map.of())).outcome());
            }
        }
    }

    @Test
    void settingsNameTheKeyOfAMistake(@TempDir Path dir) throws Exception {
        assertEquals("mongo_auth.dial_info.addrs", assertThrows(ConfigException.class,
                () -> authSettings(Map.of("dial_info", Map.of("database", "d")))).key());
        assertEquals("mongo_auth.dial_info.database", assertThrows(ConfigException.class,
                () -> authSettings(Map.of("dial_info", Map.of("addrs", List.of("h"))))).key());
        assertEquals("acl_mongo.cache_ttl", assertThrows(ConfigException.class,
                () -> aclSettings(Map.of("dial_info", dial(), "cache_ttl", "soon"))).key());
        assertEquals("acl_mongo.dial_info.uri_file", assertThrows(ConfigException.class, () -> aclSettings(
                Map.of("dial_info", Map.of("addrs", List.of("h"), "uri_file", "/u", "database", "d")))).key());
        assertEquals("mongo_auth.dial_info.password", assertThrows(ConfigException.class, () -> authSettings(
                Map.of("dial_info", Map.of("addrs", List.of("h"), "database", "d", "password", "inline")))).key(),
                "passwords only from files");
        MongoAuthSettings missingFile = authSettings(Map.of("dial_info", Map.of("addrs", List.of(addr),
                "database", "d", "username", "u", "password_file", dir.resolve("nope").toString())));
        assertEquals("mongo_auth.dial_info.password_file", assertThrows(ConfigException.class, missingFile::start).key());
        Path uri = dir.resolve("uri");
        Files.writeString(uri, "http://user:s3cret@host/\n");
        MongoAuthSettings badUri = authSettings(Map.of("dial_info", Map.of("uri_file", uri.toString(), "database", "d")));
        ConfigException e = assertThrows(ConfigException.class, badUri::start);
        assertEquals("mongo_auth.dial_info.uri_file", e.key());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void uriFileConnects(@TempDir Path dir) throws Exception {
        Path uri = dir.resolve("uri");
        Files.writeString(uri, "mongodb://" + addr + "/?connectTimeoutMS=1000\n");
        MongoAuthSettings s = authSettings(Map.of("dial_info", Map.of("uri_file", uri.toString(), "database", "docker_auth")));
        try (LoginBackend users = s.start()) {
            assertEquals(LoginResult.Outcome.ALLOWED, login(users, "alice", "alice-pw"));
        }
    }

    private static AccessRequest request(String account, String name, Map<String, List<String>> labels) {
        return new AccessRequest(account, "repository", name, "registry", "127.0.0.1", List.of("pull", "push"), labels);
    }
}
