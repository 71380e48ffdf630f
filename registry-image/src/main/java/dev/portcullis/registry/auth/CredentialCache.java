package dev.portcullis.registry.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Recently verified username/password pairs, so a repeated request costs an HMAC, not a bcrypt. Entries are keyed by
 * HMAC-SHA256 under a random per-process key: the cache holds no password and nothing that could be brute-forced
 * offline without that key. Bounded in size (least recently used goes first) and in age. Each entry keeps the hash
 * the password was verified against, so the caller can tell at once when the user's entry changed or went away.
 */
public final class CredentialCache {
    private final long ttlNanos;
    private final int maxEntries;
    private final SecretKeySpec key;
    private final Map<String, Entry> entries;

    private record Entry(String hash, long expiresAt) {}

    public CredentialCache(Duration ttl, int maxEntries) {
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        this.key = new SecretKeySpec(k, "HmacSHA256");
        this.entries = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > CredentialCache.this.maxEntries;
            }
        };
    }

    /** The hash this exact pair was verified against within the TTL, if it was. */
    public Optional<String> lookup(String user, String password) {
        String k = fingerprint(user, password);
        synchronized (entries) {
            Entry e = entries.get(k);
            if (e == null) {
                return Optional.empty();
            }
            if (System.nanoTime() - e.expiresAt() > 0) {
                entries.remove(k);
                return Optional.empty();
            }
            return Optional.of(e.hash());
        }
    }

    /** Remembers that {@code password} is {@code user}'s, as verified against {@code hash}. */
    public void remember(String user, String password, String hash) {
        String k = fingerprint(user, password);
        synchronized (entries) {
            entries.put(k, new Entry(hash, System.nanoTime() + ttlNanos));
        }
    }

    /** Called when the user file changes: a removed user or changed password must not live on here. */
    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /** A key for this pair that reveals nothing about the password without the per-process key. */
    String fingerprint(String user, String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(user.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return HexFormat.of().formatHex(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", e);
        }
    }
}
