package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import static dev.portcullis.registry.authserver.IssuerFixture.SERVICE;
import static dev.portcullis.registry.authserver.IssuerFixture.basic;
import static dev.portcullis.registry.authserver.IssuerFixture.get;
import static dev.portcullis.registry.authserver.IssuerFixture.hash;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logins over HTTPS: the users file reload, throttling, and no anonymous access unless configured. */
class AuthServerLoginTest {
    @Test
    void usersFileIsReloadedWhenItChangesAndThrottlingLocksGuessers(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki(dir, "test");
        TestPki.Issued tls = pki.server(dir, "auth-tls");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.RSA);
        Path usersFile = dir.resolve("users.yml");
        Files.writeString(usersFile, "carol:\n  password: \"" + hash("carol-pw") + "\"\n");
        Path config = IssuerFixture.writeConfig(dir, tls, signing, null, """
                users_file: users.yml
                acl:
                  - match: {account: "/.+/"}
                    actions: [pull]
                throttle: {max_failures: 1000}
                """);
        try (AuthServer server = AuthServer.start(AuthServerConfig.load(config))) {
            HttpClient http = IssuerFixture.client(pki.caFile());
            String url = "https://127.0.0.1:" + server.port() + "/auth?service=" + SERVICE + "&scope=repository:x:pull";

            assertEquals(401, get(http, url, null).statusCode(), "no anonymous user configured");
            assertEquals(200, get(http, url, basic("carol", "carol-pw")).statusCode());

            // Replace the file the way a Secret update does (write beside, then rename), in htpasswd format this time.
            Path next = dir.resolve("users.next");
            Files.writeString(next, "dave:" + hash("dave-pw") + "\n");
            Files.move(next, usersFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertTrue(eventually(() -> status(http, url, basic("dave", "dave-pw")) == 200), "dave appears");
            assertEquals(401, get(http, url, basic("carol", "carol-pw")).statusCode(), "carol is gone");

            // A broken file keeps the previous users.
            Files.writeString(usersFile, "this is : not: valid\n");
            Thread.sleep(600);
            assertEquals(200, get(http, url, basic("dave", "dave-pw")).statusCode());

        }
    }

    @Test
    void throttlingLocksGuessersEvenWithTheRightPasswordAfterwards(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki(dir, "test");
        TestPki.Issued tls = pki.server(dir, "auth-tls");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = IssuerFixture.writeConfig(dir, tls, signing, null, IssuerFixture.usersAndAcl()
                + "throttle: {max_failures: 3, window: 1m, lockout: 1m}\n");
        try (AuthServer server = AuthServer.start(AuthServerConfig.load(config))) {
            HttpClient http = IssuerFixture.client(pki.caFile());
            String url = "https://127.0.0.1:" + server.port() + "/auth?service=" + SERVICE + "&scope=repository:bob/x:pull";
            for (int i = 0; i < 3; i++) {
                assertEquals(401, get(http, url, basic("bob", "guess" + i)).statusCode());
            }
            HttpResponse<String> locked = get(http, url, basic("bob", "bob-pw"));
            assertEquals(429, locked.statusCode(), "even the right password waits out the lockout");
            assertTrue(Integer.parseInt(locked.headers().firstValue("Retry-After").orElse("0")) > 0);
            assertFalse(locked.body().contains("token"));
            // Only the (account, address) pair is locked: another account behind the same address (a NAT) still logs in.
            assertEquals(200, get(http, url, basic("alice", "alice-pw")).statusCode());
        }
    }

    @Test
    void plainHttpOnLoopbackWithThumbprintKidsForDistribution3(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki(dir, "test");
        TestPki.Issued signing = pki.signing(dir, "token-signing", TestPki.Alg.EC);
        Path config = dir.resolve("auth.yml");
        Files.writeString(config, """
                server: {addr: "127.0.0.1:0"}
                token: {issuer: iss, service: svc, certificate: "%s", key: "%s", kidformat: thumbprint, x5c: false}
                users: {"": {}}
                acl: [{match: {}, actions: [pull]}]
                """.formatted(signing.cert(), signing.key()));
        try (AuthServer server = AuthServer.start(AuthServerConfig.load(config))) {
            HttpResponse<String> r = get(HttpClient.newHttpClient(),
                    "http://127.0.0.1:" + server.port() + "/auth?service=svc&scope=repository:x:pull,push", null);
            assertEquals(200, r.statusCode(), r.body());
            var jwt = com.nimbusds.jwt.SignedJWT.parse(new io.vertx.core.json.JsonObject(r.body()).getString("token"));
            assertEquals(dev.portcullis.registry.auth.token.KeyIds.thumbprint(signing.certificate().getPublicKey()), jwt.getHeader().getKeyID());
            assertEquals(null, jwt.getHeader().getX509CertChain());
        }
    }

    private static int status(HttpClient http, String url, String auth) {
        try {
            return get(http, url, auth).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static boolean eventually(Supplier<Boolean> condition) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (condition.get()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
