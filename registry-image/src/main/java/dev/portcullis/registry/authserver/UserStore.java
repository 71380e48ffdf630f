package dev.portcullis.registry.authserver;

import java.util.Map;

/**
 * The static users: the config's inline {@code users:} merged with the users file (whose entries win), swapped
 * whole when the file changes so a request never sees half a reload. The empty name {@code ""} with no password
 * is docker_auth's way to allow anonymous requests.
 */
final class UserStore {
    /** name to bcrypt hash; "" maps to "" when anonymous access is allowed. */
    private volatile Snapshot snapshot;

    private record Snapshot(Map<String, String> users, String dummyHash) {
    }

    UserStore(Map<String, String> users) {
        replace(users);
    }

    void replace(Map<String, String> users) {
        int cost = users.values().stream().filter(PasswordHashes::isBcrypt).mapToInt(PasswordHashes::cost).max().orElse(10);
        Snapshot old = snapshot;
        String dummy = old != null && PasswordHashes.cost(old.dummyHash) == cost ? old.dummyHash : PasswordHashes.dummy(cost);
        snapshot = new Snapshot(Map.copyOf(users), dummy);
    }

    boolean anonymousAllowed() {
        return snapshot.users.containsKey("");
    }

    boolean exists(String name) {
        return !name.isEmpty() && snapshot.users.containsKey(name);
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
