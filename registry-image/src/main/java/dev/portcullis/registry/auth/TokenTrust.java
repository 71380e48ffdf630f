package dev.portcullis.registry.auth;

import dev.portcullis.registry.auth.token.KeyIds;
import java.security.PublicKey;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What tokens may be signed with at one moment: the roots an {@code x5c} chain may lead to, and the keys a {@code kid}
 * may name (each under its declared kid, its libtrust id and its RFC 7638 thumbprint). Entries that left the files
 * stay, with the time they left, until the overlap has passed: a token signed just before a rotation then stays
 * valid until it expires. Immutable; a reload builds the successor.
 */
public final class TokenTrust {
    /** A root of the bundle; {@code retiredAt} is null while it is in the file. */
    record Anchor(X509Certificate certificate, Instant retiredAt) {}

    /**
     * A key a {@code kid} may name: a bundle certificate's, or a JWKS key's (with its certificate when the JWK has an
     * {@code x5c}, else null). {@code retiredAt} is null while it is in the file.
     */
    public record PinnedKey(PublicKey key, X509Certificate certificate, Set<String> ids, Instant retiredAt) {}

    private final List<Anchor> anchors;
    private final List<PinnedKey> keys;
    private final Duration overlap;
    private final Map<String, List<PinnedKey>> byId = new HashMap<>();

    private TokenTrust(List<Anchor> anchors, List<PinnedKey> keys, Duration overlap) {
        this.anchors = List.copyOf(anchors);
        this.keys = List.copyOf(keys);
        this.overlap = overlap;
        for (PinnedKey k : this.keys) {
            for (String id : k.ids()) {
                byId.computeIfAbsent(id, x -> new ArrayList<>()).add(k);
            }
        }
    }

    /**
     * The trust the files give now. {@code jwks} maps each key to its declared kid (or null) and certificate (or null).
     * {@code overlap} is how long an entry stays after it leaves the files.
     */
    public static TokenTrust of(List<X509Certificate> bundle, List<JwksEntry> jwks, Duration overlap) {
        List<Anchor> anchors = new ArrayList<>();
        List<PinnedKey> keys = new ArrayList<>();
        for (X509Certificate c : bundle) {
            anchors.add(new Anchor(c, null));
            keys.add(new PinnedKey(c.getPublicKey(), c, ids(c.getPublicKey(), null), null));
        }
        for (JwksEntry e : jwks) {
            keys.add(new PinnedKey(e.key(), e.certificate(), ids(e.key(), e.kid()), null));
        }
        return new TokenTrust(anchors, keys, overlap);
    }

    /** One key of a JWKS file: its public key, the kid it declares (or null) and its certificate (or null). */
    public record JwksEntry(PublicKey key, String kid, X509Certificate certificate) {}

    /**
     * {@code fresh} (just read from the files) plus what this trust held that is not in it any more: entries that just
     * left are marked as retired now; those retired longer ago than the overlap are dropped.
     */
    public TokenTrust successor(TokenTrust fresh, Instant now) {
        List<Anchor> anchors = new ArrayList<>(fresh.anchors);
        for (Anchor a : this.anchors) {
            boolean kept = fresh.anchors.stream().anyMatch(f -> f.certificate().equals(a.certificate()));
            Instant left = a.retiredAt() == null ? now : a.retiredAt();
            if (!kept && now.isBefore(left.plus(overlap))) {
                anchors.add(new Anchor(a.certificate(), left));
            }
        }
        List<PinnedKey> keys = new ArrayList<>(fresh.keys);
        for (PinnedKey k : this.keys) {
            boolean kept = fresh.keys.stream().anyMatch(f -> f.key().equals(k.key()) && f.ids().containsAll(k.ids()));
            Instant left = k.retiredAt() == null ? now : k.retiredAt();
            if (!kept && now.isBefore(left.plus(overlap))) {
                keys.add(new PinnedKey(k.key(), k.certificate(), k.ids(), left));
            }
        }
        return new TokenTrust(anchors, keys, fresh.overlap);
    }

    /**
     * The certificates the files hold now (bundle roots and JWKS keys' certificates), without those kept only for the
     * overlap after leaving them: what must be renewed before it expires.
     */
    public List<X509Certificate> currentCertificates() {
        java.util.LinkedHashSet<X509Certificate> out = new java.util.LinkedHashSet<>();
        anchors.stream().filter(a -> a.retiredAt() == null).forEach(a -> out.add(a.certificate()));
        keys.stream().filter(k -> k.retiredAt() == null && k.certificate() != null).forEach(k -> out.add(k.certificate()));
        return List.copyOf(out);
    }

    /** The roots trusted at {@code now}, for PKIX validation. */
    Set<TrustAnchor> anchorsAt(Instant now) {
        Set<TrustAnchor> out = new HashSet<>();
        for (Anchor a : anchors) {
            if (trusted(a.retiredAt(), now)) {
                out.add(new TrustAnchor(a.certificate(), null));
            }
        }
        return out;
    }

    /** True when {@code leaf} itself is (or was, within the overlap) a certificate of the bundle. */
    boolean pinned(X509Certificate leaf, Instant now) {
        return anchors.stream().anyMatch(a -> trusted(a.retiredAt(), now) && a.certificate().equals(leaf));
    }

    /** The key a {@code kid} names at {@code now}: a current one before one in its overlap. */
    Optional<PinnedKey> key(String kid, Instant now) {
        return byId.getOrDefault(kid, List.of()).stream()
                .filter(k -> trusted(k.retiredAt(), now))
                .min((a, b) -> Boolean.compare(a.retiredAt() != null, b.retiredAt() != null));
    }

    /** How many roots and keys are trusted at {@code now}, and how many of them only for the overlap (for the log). */
    String summary(Instant now) {
        long roots = anchors.stream().filter(a -> trusted(a.retiredAt(), now)).count();
        long retiredRoots = anchors.stream().filter(a -> a.retiredAt() != null && trusted(a.retiredAt(), now)).count();
        long pinned = keys.stream().filter(k -> trusted(k.retiredAt(), now)).count();
        long retiredKeys = keys.stream().filter(k -> k.retiredAt() != null && trusted(k.retiredAt(), now)).count();
        return roots + " root(s) (" + retiredRoots + " retiring) and " + pinned + " key(s) (" + retiredKeys + " retiring)";
    }

    private boolean trusted(Instant retiredAt, Instant now) {
        return retiredAt == null || now.isBefore(retiredAt.plus(overlap));
    }

    private static Set<String> ids(PublicKey key, String declared) {
        Set<String> ids = new LinkedHashSet<>();
        if (declared != null && !declared.isEmpty()) {
            ids.add(declared);
        }
        ids.add(KeyIds.libtrust(key));
        try {
            ids.add(KeyIds.thumbprint(key));
        } catch (IllegalArgumentException unsupported) {
            // Not RSA or EC: no thumbprint, and no algorithm here verifies it anyway.
        }
        return Set.copyOf(ids);
    }
}
