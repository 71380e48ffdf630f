package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.AccessEntry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses requested scopes ({@code repository:alice/app:pull,push}) per the token specification's grammar.
 * The name may itself contain ':' (a {@code host:port/} prefix), so the type ends at the first ':' and the
 * actions start after the last one, as Distribution splits them.
 */
public final class Scopes {
    private static final Pattern TYPE = Pattern.compile("[a-z0-9]+(\\([a-z0-9]+\\))?");
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String DOMAIN = "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)?";
    private static final Pattern REPOSITORY = Pattern.compile(DOMAIN + COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern OTHER_NAME = Pattern.compile("[A-Za-z0-9._/:-]+");
    private static final Pattern ACTION = Pattern.compile("[a-z]+|\\*");
    private static final int MAX_NAME = 255;
    /** Bounds the work one request can cause (ACL evaluation per scope). */
    static final int MAX_SCOPES = 32;

    private Scopes() {
    }

    /** Thrown for a scope that does not follow the grammar; the message is safe to return to the client. */
    public static final class MalformedScopeException extends Exception {
        MalformedScopeException(String message) {
            super(message);
        }
    }

    /** Parses one resource scope. */
    public static AccessEntry parse(String scope) throws MalformedScopeException {
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first <= 0 || last == first || last == scope.length() - 1) {
            throw new MalformedScopeException("malformed scope '" + printable(scope) + "': expected type:name:actions");
        }
        String type = scope.substring(0, first);
        String name = scope.substring(first + 1, last);
        if (!TYPE.matcher(type).matches()) {
            throw new MalformedScopeException("malformed scope '" + printable(scope) + "': bad resource type");
        }
        boolean repository = type.equals("repository") || type.startsWith("repository(");
        if (name.isEmpty() || name.length() > MAX_NAME
                || !(repository ? REPOSITORY : OTHER_NAME).matcher(name).matches()) {
            throw new MalformedScopeException("malformed scope '" + printable(scope) + "': bad resource name");
        }
        Set<String> actions = new LinkedHashSet<>();
        for (String a : scope.substring(last + 1).split(",", -1)) {
            if (!ACTION.matcher(a).matches()) {
                throw new MalformedScopeException("malformed scope '" + printable(scope) + "': bad action '" + printable(a) + "'");
            }
            actions.add(a);
        }
        return new AccessEntry(type, name, new ArrayList<>(actions));
    }

    /**
     * Parses every scope parameter. GET sends one scope per parameter, OAuth2 POST sends them space-separated in
     * one: both are accepted everywhere. Requests for the same resource are merged, actions kept in order.
     */
    public static List<AccessEntry> parseAll(List<String> params) throws MalformedScopeException {
        Map<String, AccessEntry> merged = new LinkedHashMap<>();
        int count = 0;
        for (String param : params) {
            for (String s : param.trim().split(" +")) {
                if (s.isEmpty()) {
                    continue;
                }
                if (++count > MAX_SCOPES) {
                    throw new MalformedScopeException("too many scopes (at most " + MAX_SCOPES + ")");
                }
                AccessEntry e = parse(s);
                String key = e.type() + "\u0000" + e.name();
                AccessEntry prev = merged.get(key);
                if (prev != null) {
                    Set<String> acts = new LinkedHashSet<>(prev.actions());
                    acts.addAll(e.actions());
                    e = new AccessEntry(e.type(), e.name(), new ArrayList<>(acts));
                }
                merged.put(key, e);
            }
        }
        return new ArrayList<>(merged.values());
    }

    /** Keeps client-supplied text printable and short in error messages and logs. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 100; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
