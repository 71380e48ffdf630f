package dev.portcullis.registry.proxy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A {@code WWW-Authenticate} header: the scheme (bearer or basic) and its parameters (realm, service, scope). */
record AuthChallenge(String scheme, Map<String, String> params) {

    static Optional<AuthChallenge> parse(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String h = header.strip();
        int space = h.indexOf(' ');
        String scheme = (space < 0 ? h : h.substring(0, space)).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        int i = space < 0 ? h.length() : space + 1;
        while (i < h.length()) {
            while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                i++;
            }
            int eq = h.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < h.length() && h.charAt(i) == '"') {
                i++;
                while (i < h.length() && h.charAt(i) != '"') {
                    if (h.charAt(i) == '\\' && i + 1 < h.length()) {
                        i++;
                    }
                    value.append(h.charAt(i++));
                }
                i++;
            } else {
                while (i < h.length() && h.charAt(i) != ',') {
                    value.append(h.charAt(i++));
                }
            }
            params.put(key, value.toString().strip());
        }
        return Optional.of(new AuthChallenge(scheme, Map.copyOf(params)));
    }

    boolean bearer() {
        return scheme.equals("bearer");
    }

    boolean basic() {
        return scheme.equals("basic");
    }
}
