package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The browser logins' password store: hashed at rest, bound to one account, expiring, revocable, shared by replicas. */
class LoginPasswordsTest {
    @TempDir
    Path dir;

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aPasswordLogsInOnlyItsAccountWithItsLabels() throws Exception {
        LoginPasswords store = LoginPasswords.open(dir.resolve("db"), "oidc_auth.token_db", Clock.systemUTC());
        LoginPasswords.Issued p = store.issue("alice@acme.test", Map.of("groups", List.of("builders")), "oidc_auth", Duration.ofHours(1));
        assertEquals(LoginResult.Outcome.ALLOWED, store.check("alice@acme.test", p.password()).outcome());
        assertEquals(Map.of("groups", List.of("builders")), store.check("alice@acme.test", p.password()).labels());
        assertEquals(LoginResult.Outcome.DENIED, store.check("bob@acme.test", p.password()).outcome());
        String wrongSecret = p.id() + "." + "A".repeat(43);
        assertEquals(LoginResult.Outcome.DENIED, store.check("alice@acme.test", wrongSecret).outcome());
        assertEquals(LoginResult.Outcome.NO_MATCH, store.check("alice@acme.test", "hunter2").outcome(), "not one of ours");
        assertEquals(LoginResult.Outcome.NO_MATCH, store.check("alice@acme.test", "../../../etc/passwd.x").outcome());
        assertFalse(p.toString().contains(p.password().substring(23)), "toString never shows the secret");
    }

    @Test
    void storedHashedAndOwnerOnly() throws Exception {
        LoginPasswords store = LoginPasswords.open(dir.resolve("db"), "k", Clock.systemUTC());
        LoginPasswords.Issued p = store.issue("alice", Map.of(), "oidc_auth", Duration.ofHours(1));
        String secret = p.password().substring(p.password().indexOf('.') + 1);
        assertEquals(43, secret.length(), "256 random bits");
        try (Stream<Path> files = Files.list(dir.resolve("db"))) {
            List<Path> all = files.toList();
            assertEquals(1, all.size());
            assertFalse(Files.readString(all.get(0)).contains(secret));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(all.get(0))));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("db"))));
        assertNotEquals(p.password(), store.issue("alice", Map.of(), "oidc_auth", Duration.ofHours(1)).password());
    }

    @Test
    void expiredPasswordsAreRefusedAndSwept() throws Exception {
        MovableClock clock = new MovableClock();
        LoginPasswords store = LoginPasswords.open(dir.resolve("db"), "k", clock);
        LoginPasswords.Issued shortLived = store.issue("alice", Map.of(), "oidc_auth", Duration.ofMinutes(5));
        LoginPasswords.Issued longLived = store.issue("alice", Map.of(), "oidc_auth", Duration.ofHours(5));
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        assertEquals(LoginResult.Outcome.DENIED, store.check("alice", shortLived.password()).outcome());
        assertEquals(LoginResult.Outcome.ALLOWED, store.check("alice", longLived.password()).outcome());
        clock.now = clock.now.plus(Duration.ofHours(5));
        assertEquals(1, store.sweepExpired(), "the short-lived one was deleted when it was refused");
        assertTrue(store.list().isEmpty());
    }

    @Test
    void revocationHoldsForEveryReplicaSharingTheDirectory() throws Exception {
        LoginPasswords replicaA = LoginPasswords.open(dir.resolve("shared"), "k", Clock.systemUTC());
        LoginPasswords replicaB = LoginPasswords.open(dir.resolve("shared"), "k", Clock.systemUTC());
        LoginPasswords.Issued one = replicaA.issue("alice", Map.of(), "oidc_auth", Duration.ofHours(1));
        LoginPasswords.Issued two = replicaA.issue("alice", Map.of(), "oidc_auth", Duration.ofHours(1));
        LoginPasswords.Issued bobs = replicaA.issue("bob", Map.of(), "oidc_auth", Duration.ofHours(1));
        assertEquals(LoginResult.Outcome.ALLOWED, replicaB.check("alice", one.password()).outcome());
        assertTrue(replicaB.revoke(one.id()));
        assertEquals(LoginResult.Outcome.NO_MATCH, replicaA.check("alice", one.password()).outcome());
        assertEquals(1, replicaA.revokeAccount("alice"));
        assertEquals(LoginResult.Outcome.NO_MATCH, replicaB.check("alice", two.password()).outcome());
        assertEquals(LoginResult.Outcome.ALLOWED, replicaB.check("bob", bobs.password()).outcome());
        assertFalse(replicaA.revoke("../shared"), "only IDs name files");
    }
}
