package dev.portcullis.registry.authserver;

import org.mindrot.jbcrypt.BCrypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * bcrypt verification. htpasswd -B writes {@code $2y$}, other tools {@code $2b$}; they are the same algorithm
 * as {@code $2a$} for the UTF-8 passwords we get, and jBCrypt only knows {@code $2a$}, so the prefix is rewritten.
 * The comparison is constant-time (jBCrypt 0.4's own is not guaranteed to be).
 */
final class PasswordHashes {
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");

    private PasswordHashes() {
    }

    static boolean isBcrypt(String hash) {
        return hash != null && BCRYPT.matcher(hash).matches();
    }

    static int cost(String hash) {
        return Integer.parseInt(hash.substring(4, 6));
    }

    static boolean verify(String password, String hash) {
        String normalized = "$2a$" + hash.substring(4);
        String computed = BCrypt.hashpw(password, normalized);
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), normalized.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A well-formed hash at {@code cost} that no password matches: checking unknown users against it runs a full
     * bcrypt of that cost, as a known user's check does, but making it runs none (a real hash cost a bcrypt at every
     * start and reload, about half a second of a cold JVM). A fresh salt, then a digest of all zero bits.
     */
    static String dummy(int cost) {
        return BCrypt.gensalt(cost) + ".".repeat(31);
    }
}
