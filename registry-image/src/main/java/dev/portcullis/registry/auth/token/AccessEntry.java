package dev.portcullis.registry.auth.token;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One element of the token's {@code access} claim: {@code {"type": "repository", "name": "alice/app",
 * "actions": ["pull", "push"]}}. The same shape as a requested scope, which is why the issuer uses it for both.
 *
 * @param type    resource type, e.g. {@code repository} or {@code registry} (a class such as
 *                {@code repository(plugin)} is kept as part of the type, as Distribution does)
 * @param name    resource name, e.g. the repository name without tag, or {@code catalog}
 * @param actions granted (or requested) actions, in order, without duplicates
 */
public record AccessEntry(String type, String name, List<String> actions) {
    public AccessEntry {
        actions = List.copyOf(actions);
    }

    /** The JSON-ready form for a JWT claim. */
    public Map<String, Object> toClaim() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("name", name);
        m.put("actions", new ArrayList<>(actions));
        return m;
    }

    /** Reads one claim element as a JSON parser gives it; throws IllegalArgumentException when malformed. */
    public static AccessEntry fromClaim(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("access entry is not an object");
        }
        Object type = m.get("type");
        Object name = m.get("name");
        Object actions = m.get("actions");
        if (!(type instanceof String t) || !(name instanceof String n)) {
            throw new IllegalArgumentException("access entry without string type and name");
        }
        List<String> acts = new ArrayList<>();
        if (actions instanceof List<?> l) {
            for (Object a : l) {
                if (!(a instanceof String s)) {
                    throw new IllegalArgumentException("access entry action is not a string");
                }
                acts.add(s);
            }
        } else if (actions != null) {
            throw new IllegalArgumentException("access entry actions is not a list");
        }
        return new AccessEntry(t, n, acts);
    }

    /** Reads a whole {@code access} claim (null or absent means no access). */
    public static List<AccessEntry> fromClaimList(Object o) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new IllegalArgumentException("access claim is not a list");
        }
        List<AccessEntry> out = new ArrayList<>(l.size());
        for (Object e : l) {
            out.add(fromClaim(e));
        }
        return out;
    }

    /** Renders as a scope string, {@code type:name:a,b}, for logs and for the OAuth2 {@code scope} answer. */
    public String toScope() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
