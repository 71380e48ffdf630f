package dev.portcullis.registry.authserver;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.nimbusds.jwt.SignedJWT;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.portcullis.registry.auth.token.AccessEntry;
import dev.portcullis.registry.testsupport.TestPki;
import io.vertx.core.json.JsonObject;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static dev.portcullis.registry.authserver.IssuerFixture.basic;
import static dev.portcullis.registry.authserver.IssuerFixture.get;
import static dev.portcullis.registry.authserver.IssuerFixture.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The issuer with static users and ACL, mongo_auth, acl_mongo, ext_auth and ext_authz together, over HTTPS: docker_auth's
 * chain order, labels from MongoDB reaching acl_mongo, and MongoDB going down while static users keep working.
 */
class AuthServerBackendsTest {
    @Test
    void theChainsInDockerAuthsOrder(@TempDir Path dir) throws Exception {
        MongoServer mongo = new MongoServer(new MemoryBackend().version(MongoBackendsTest.MONGO_4_2));
        String addr = "127.0.0.1:" + mongo.bind().getPort();
        try (MongoClient admin = MongoClients.create("mongodb://" + addr)) {
            MongoDatabase db = admin.getDatabase("docker_auth");
            db.getCollection("users").insertOne(new Document("username", "carol").append("password", hash("carol-pw"))
                    .append("labels", new Document("group", List.of("dev"))));
            db.getCollection("acl").insertOne(new Document("seq", 1)
                    .append("match", new Document("name", "team/*").append("labels", new Document("group", "dev")))
                    .append("actions", List.of("*")));
        }
        Path extAuth = Path.of(getClass().getResource("/ext/ext_auth.sh").toURI());
        Path extAuthz = Path.of(getClass().getResource("/ext/ext_authz.py").toURI());
        assertTrue(extAuth.toFile().setExecutable(true) && extAuthz.toFile().setExecutable(true));
        TestPki pki = new TestPki(dir, "test");
        Path config = IssuerFixture.writeConfig(dir, pki.server(dir, "auth-tls"), pki.signing(dir, "token-signing", TestPki.Alg.RSA), null, """
                users:
                  bob: {password: "%s"}
                  alice: {password: "%s"}
                acl:
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                mongo_auth:
                  dial_info: {addrs: ["%s"], database: docker_auth, timeout: 1s}
                acl_mongo:
                  dial_info: {addrs: ["%s"], database: docker_auth, timeout: 1s}
                  cache_ttl: 1h
                ext_auth:
                  command: "%s"
                  args: ["%s"]
                ext_authz:
                  command: "%s"
                  args: ["%s"]
                throttle: {max_failures: 1000}
                """.formatted(hash("bob-pw"), hash("alice-static-pw"), addr, addr, extAuth, dir, extAuthz, dir));
        try (AuthServer server = AuthServer.start(AuthServerConfig.load(config))) {
            HttpClient http = IssuerFixture.client(pki.caFile());
            String base = "https://127.0.0.1:" + server.port() + "/auth?service=" + SERVICE + "&scope=";

            // carol is in MongoDB: her labels open team/ through acl_mongo; the static acl gives her carol/.
            assertEquals(List.of(new AccessEntry("repository", "team/app", List.of("pull", "push"))),
                    access(get(http, base + "repository:team/app:pull,push", basic("carol", "carol-pw"))));
            assertEquals(List.of(new AccessEntry("repository", "carol/app", List.of("push"))),
                    access(get(http, base + "repository:carol/app:push", basic("carol", "carol-pw"))));
            assertEquals(401, get(http, base + "repository:team/app:pull", basic("carol", "wrong")).statusCode());
            // Neither the static acl nor acl_mongo has an opinion on open/: ext_authz decides.
            assertEquals(List.of(new AccessEntry("repository", "open/x", List.of("pull"))),
                    access(get(http, base + "repository:open/x:pull,push", basic("bob", "bob-pw"))));
            // A static user's wrong password ends the chain: ext_auth (which would say yes to alice) is not asked.
            assertEquals(401, get(http, base + "repository:alice/x:pull", basic("alice", "right pw")).statusCode());
            // An account MongoDB does not know goes on to ext_auth.
            assertEquals(200, get(http, base + "repository:x/y:pull", basic("spaces", "a b  c")).statusCode());

            // MongoDB goes down: static users keep working, MongoDB users fail closed.
            mongo.shutdownNow();
            assertEquals(List.of(new AccessEntry("repository", "bob/app", List.of("pull"))),
                    access(get(http, base + "repository:bob/app:pull", basic("bob", "bob-pw"))));
            HttpResponse<String> down = get(http, base + "repository:team/app:pull", basic("carol", "carol-pw"));
            assertEquals(503, down.statusCode(), down.body());
        } finally {
            mongo.shutdownNow();
        }
    }

    private static List<AccessEntry> access(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        SignedJWT jwt = SignedJWT.parse(new JsonObject(r.body()).getString("token"));
        return AccessEntry.fromClaimList(jwt.getJWTClaimsSet().getClaim("access"));
    }
}
