package dev.portcullis.registry.authserver;

import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserStoreTest {
    private static String hash(String prefix, String pw, int cost) {
        return prefix + BCrypt.hashpw(pw, BCrypt.gensalt(cost)).substring(4);
    }

    @Test
    void acceptsEveryBcryptPrefixToolsWrite() {
        UserStore s = new UserStore(Map.of("a", hash("$2a$", "pa", 4), "y", hash("$2y$", "py", 4), "b", hash("$2b$", "pb", 4)));
        assertTrue(s.check("a", "pa"));
        assertTrue(s.check("y", "py"));
        assertTrue(s.check("b", "pb"));
        assertFalse(s.check("y", "pa"));
        assertFalse(s.check("nobody", "py"));
        assertFalse(s.check("", ""));
        assertFalse(s.anonymousAllowed());
    }

    @Test
    void unknownUsersCostAsMuchBcryptAsTheMostExpensiveKnownUser() {
        UserStore s = new UserStore(Map.of("cheap", hash("$2y$", "x", 4), "dear", hash("$2y$", "x", 6)));
        assertEquals(6, s.dummyCost());
        s.replace(Map.of("cheap", hash("$2y$", "x", 4)));
        assertEquals(4, s.dummyCost(), "follows reloads");
        // Well-formed, so checking against it runs a full bcrypt of its cost, and matched by no password.
        String dummy = PasswordHashes.dummy(5);
        assertTrue(PasswordHashes.isBcrypt(dummy), dummy);
        assertEquals(5, PasswordHashes.cost(dummy));
        assertFalse(PasswordHashes.verify("", dummy));
        assertFalse(s.check("nobody", ""));
    }

    @Test
    void usersFileIsYamlOrHtpasswd() throws Exception {
        String h = hash("$2y$", "pw", 4);
        assertEquals(Map.of("alice", h, "", ""), UsersFile.parse("alice:\n  password: \"" + h + "\"\n\"\": {}\n", "users_file"));
        assertEquals(Map.of("alice", h, "bob", h), UsersFile.parse("# comment\nalice:" + h + "\n\nbob:" + h + "\n", "users_file"));
        ConfigException e = assertThrows(ConfigException.class, () -> UsersFile.parse("alice:plaintext\n", "users_file"));
        assertFalse(e.getMessage().contains("plaintext"), "the secret is not repeated");
        assertEquals("users_file.alice.password",
                assertThrows(ConfigException.class, () -> UsersFile.parse("alice: {password: secret}\n", "users_file")).key());
    }
}
