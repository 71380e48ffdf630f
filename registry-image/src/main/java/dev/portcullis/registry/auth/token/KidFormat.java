package dev.portcullis.registry.auth.token;

import java.security.PublicKey;
import java.util.Locale;

/** Which key id goes into the JWT header: the one Distribution 2.x expects, or the one Distribution 3 expects. */
public enum KidFormat {
    /** libtrust key id, e.g. {@code ABCD:EFGH:...}; Distribution 2.8. */
    LIBTRUST,
    /** RFC 7638 JWK thumbprint; Distribution 3. */
    THUMBPRINT;

    public String keyId(PublicKey key) {
        return this == LIBTRUST ? KeyIds.libtrust(key) : KeyIds.thumbprint(key);
    }

    /** Parses the configuration spelling ({@code libtrust} or {@code thumbprint}, any case). */
    public static KidFormat parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "libtrust" -> LIBTRUST;
            case "thumbprint", "rfc7638" -> THUMBPRINT;
            default -> throw new IllegalArgumentException("must be libtrust or thumbprint, not '" + s + "'");
        };
    }
}
