package dev.portcullis.registry.auth;

import org.mindrot.jbcrypt.BCrypt;

/**
 * bcrypt through jBCrypt. htpasswd files hold {@code $2y$} (Apache) or {@code $2b$} hashes, which jBCrypt does not
 * accept by name; for passwords under 72 bytes all three variants compute the same hash, so they are checked as
 * {@code $2a$}.
 */
public final class Bcrypt {
    private Bcrypt() {}

    public static boolean isBcrypt(String hash) {
        return hash != null && hash.length() == 60 && hash.matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
    }

    /** Constant-time comparison of the computed hash (jBCrypt compares without early return). */
    public static boolean check(String password, String hash) {
        if (!isBcrypt(hash)) {
            return false;
        }
        try {
            return BCrypt.checkpw(password, "$2a$" + hash.substring(4));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String hash(String password, int cost) {
        return BCrypt.hashpw(password, BCrypt.gensalt(cost));
    }

    /**
     * A well-formed hash of {@code cost} that no password matches, for unknown users: checking a password against it
     * runs a full bcrypt of that cost, as a known user's check does, but making it runs none. A real hash of a dummy
     * password cost a bcrypt at every start and reload (about 0.5 to 0.9 s of a cold JVM's start, interpreted).
     */
    public static String unmatchable(int cost) {
        // A fresh salt, then a digest of all zero bits: finding a password that hashes to it is a preimage search.
        return BCrypt.gensalt(cost) + ".".repeat(31);
    }

    public static int cost(String hash) {
        return isBcrypt(hash) ? Integer.parseInt(hash.substring(4, 6)) : 10;
    }
}
