package dev.portcullis.registry.auth;

import java.util.Set;

/**
 * One resource and the actions a request needs on it, in the token specification's terms: {@code repository:NAME:pull}.
 */
public record Access(String type, String name, Set<String> actions) {
    public static final String PULL = "pull";
    public static final String PUSH = "push";
    public static final String DELETE = "delete";

    public static Access repository(String name, String... actions) {
        return new Access("repository", name, Set.of(actions));
    }

    public static Access catalog() {
        return new Access("registry", "catalog", Set.of("*"));
    }

    /** True when this asks for nothing but pulling from a repository: what pull-only identities may do. */
    public boolean pullOnly() {
        return type.equals("repository") && Set.of(PULL).containsAll(actions);
    }

    /** The scope string of a WWW-Authenticate challenge, actions in a stable order. */
    public String scope() {
        return type + ":" + name + ":" + String.join(",", actions.stream().sorted(Access::byKnownOrder).toList());
    }

    private static int byKnownOrder(String a, String b) {
        return Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b)) : a.compareTo(b);
    }

    private static int rank(String action) {
        return switch (action) {
            case PULL -> 0;
            case PUSH -> 1;
            case DELETE -> 2;
            default -> 3;
        };
    }
}
