package dev.portcullis.registry.auth;

import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import java.util.List;
import java.util.stream.Collectors;

/** The 401/403/429 answers of the auth schemes, with the headers clients need to retry correctly. */
public final class Challenges {
    private Challenges() {}

    public static RegistryException basic(String realm, String detail) {
        return ErrorCode.UNAUTHORIZED.exception(detail).withHeader("WWW-Authenticate", "Basic realm=\"" + quote(realm) + "\"");
    }

    /** The token specification's challenge, naming exactly the scopes the request needs. */
    public static RegistryException bearer(String realm, String service, List<Access> needed, String error, String detail) {
        StringBuilder h = new StringBuilder("Bearer realm=\"").append(quote(realm)).append("\",service=\"")
                .append(quote(service)).append('"');
        if (!needed.isEmpty()) {
            h.append(",scope=\"").append(needed.stream().map(Access::scope).collect(Collectors.joining(" "))).append('"');
        }
        if (error != null) {
            h.append(",error=\"").append(error).append('"');
        }
        return ErrorCode.UNAUTHORIZED.exception(detail).withHeader("WWW-Authenticate", h.toString());
    }

    public static RegistryException denied(String detail) {
        return ErrorCode.DENIED.exception(detail);
    }

    public static RegistryException throttled(long retryAfterSeconds) {
        return ErrorCode.TOOMANYREQUESTS.exception("too many failed logins; try again later")
                .withHeader("Retry-After", Long.toString(retryAfterSeconds));
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
