package dev.portcullis.registry.authserver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The static users: the config's inline {@code users:} merged with the users file (whose entries win), swapped
 * whole when the file changes so a request never sees half a reload. The empty name {@code ""} with no password
 * is docker_auth's way to allow anonymous requests.
 */
final class UserStore {
    /** name to bcrypt hash; "" maps to "" when anonymous access is allowed. */
    private volatile Snapshot snapshot;

    private record Snapshot(Map<String, String> users, String dummyHash, Map<String, Map<String, List<String>>> labels) {
    }

    UserStore(Map<String, String> users) {
        this(users, Map.of());
    }

    UserStore(Map<String, String> users, Map<String, Map<String, List<String>>> labels) {
        replace(users, labels);
    }

    void replace(Map<String, String> users) {
        replace(users, Map.of());
    }

    /** {@code labels}: per user, docker_auth's static-user labels; swapped together with the passwords. */
    void replace(Map<String, String> users, Map<String, Map<String, List<String>>> labels) {
        int cost = users.values().stream().filter(PasswordHashes::isBcrypt).mapToInt(PasswordHashes::cost).max().orElse(10);
        Snapshot old = snapshot;
        String dummy = old != null && PasswordHashes.cost(old.dummyHash) == cost ? old.dummyHash : PasswordHashes.dummy(cost);
        snapshot = new Snapshot(Map.copyOf(users), dummy, Map.copyOf(labels));
    }

    /** The user's labels (also for anonymous, ""), empty when none. */
    Map<String, List<String>> labels(String name) {
        return snapshot.labels.getOrDefault(name, Map.of());
    }

    boolean anonymousAllowed() {
        return snapshot.users.containsKey("");
    }

    boolean exists(String name) {
        return !name.isEmpty() && snapshot.users.containsKey(name);
    }

    /**
     * What refresh tokens are bound to: a digest of the user's current password entry. A changed password, or a user
     * removed and added again (bcrypt salts every new hash), gives another version, so earlier refresh tokens die.
     * It reveals nothing usable about the hash: a guess cannot be tested against it without the salt.
     */
    Optional<String> credentialVersion(String name) {
        String hash = name.isEmpty() ? null : snapshot.users.get(name);
        if (hash == null || !PasswordHashes.isBcrypt(hash)) {
            return Optional.empty();
        }
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(("portcullis-refresh-v1\0" + name + "\0").getBytes(StandardCharsets.UTF_8));
            byte[] digest = d.digest(hash.getBytes(StandardCharsets.US_ASCII));
            return Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bcrypt cost an unknown user's check pays: the highest among the configured hashes. */
    int dummyCost() {
        return PasswordHashes.cost(snapshot.dummyHash);
    }

    int size() {
        return snapshot.users.size();
    }

    /**
     * Checks a password. An unknown user costs one bcrypt against the dummy hash, as a known one does, so the
     * answer time does not reveal which names exist.
     */
    boolean check(String name, String password) {
        Snapshot s = snapshot;
        String hash = name.isEmpty() ? null : s.users.get(name);
        boolean known = hash != null && PasswordHashes.isBcrypt(hash);
        boolean ok = PasswordHashes.verify(password, known ? hash : s.dummyHash);
        return known && ok;
    }
}
