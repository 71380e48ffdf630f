package dev.portcullis.registry.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest {@code algorithm:hex}, for the two algorithms the spec names: sha256 and sha512. */
public record Digest(Algorithm algorithm, String hex) implements Comparable<Digest> {

    public enum Algorithm {
        SHA256("sha256", "SHA-256", 64),
        SHA512("sha512", "SHA-512", 128);

        private final String id;
        private final String jca;
        private final int hexLength;

        Algorithm(String id, String jca, int hexLength) {
            this.id = id;
            this.jca = jca;
            this.hexLength = hexLength;
        }

        public String id() {
            return id;
        }

        public MessageDigest newMessageDigest() {
            try {
                return MessageDigest.getInstance(jca);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jca + " missing from the JDK", e);
            }
        }

        static Algorithm byId(String id) {
            for (Algorithm a : values()) {
                if (a.id.equals(id)) {
                    return a;
                }
            }
            return null;
        }
    }

    private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        if (algorithm == null || hex == null || hex.length() != algorithm.hexLength || !HEX.matcher(hex).matches()) {
            throw ErrorCode.DIGEST_INVALID.exception("malformed digest");
        }
    }

    /** Parses {@code sha256:...}; anything else is the spec's DIGEST_INVALID, never an internal error. */
    public static Digest parse(String text) {
        if (text == null) {
            throw ErrorCode.DIGEST_INVALID.exception("digest missing");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw ErrorCode.DIGEST_INVALID.exception("malformed digest: " + abbreviate(text));
        }
        Algorithm algorithm = Algorithm.byId(text.substring(0, colon));
        if (algorithm == null) {
            throw ErrorCode.DIGEST_INVALID.exception("unsupported digest algorithm: " + abbreviate(text.substring(0, colon)));
        }
        String hex = text.substring(colon + 1);
        if (hex.length() != algorithm.hexLength || !HEX.matcher(hex).matches()) {
            throw ErrorCode.DIGEST_INVALID.exception("malformed digest: " + abbreviate(text));
        }
        return new Digest(algorithm, hex);
    }

    public static boolean looksLikeDigest(String reference) {
        return reference.indexOf(':') > 0;
    }

    public static Digest of(Algorithm algorithm, byte[] content) {
        return new Digest(algorithm, HexFormat.of().formatHex(algorithm.newMessageDigest().digest(content)));
    }

    public static Digest sha256(byte[] content) {
        return of(Algorithm.SHA256, content);
    }

    public static Digest fromMessageDigest(Algorithm algorithm, MessageDigest md) {
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    @Override
    public String toString() {
        return algorithm.id + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
