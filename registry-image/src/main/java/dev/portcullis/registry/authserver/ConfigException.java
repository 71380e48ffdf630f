package dev.portcullis.registry.authserver;

import dev.portcullis.registry.config.KeySuggestion;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A configuration mistake, named by its key path ({@code token.expiration}) so the one line the command prints
 * tells the operator exactly what to fix; or, from {@link AuthServerConfig#parse}, every mistake of a file at once,
 * one line each in {@link #problems()}. Never carries a secret value in its message.
 */
public final class ConfigException extends Exception {
    private final String key;
    /** For an unknown key: the keys its mapping knows, to suggest the one meant; null otherwise. */
    private final Set<String> knownKeys;
    private final List<String> problems;

    public ConfigException(String key, String problem) {
        this(key, key + ": " + problem, null, null);
    }

    private ConfigException(String key, String message, Set<String> knownKeys, List<String> problems) {
        super(message);
        this.key = key;
        this.knownKeys = knownKeys;
        this.problems = problems;
    }

    /** {@code key} (full, such as {@code ldap_auth.tsl}) is not one of {@code known} (its mapping's own keys). */
    public static ConfigException unknownKey(String key, Set<String> known) {
        return new ConfigException(key, key + ": unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")",
                Set.copyOf(known), null);
    }

    /** Several mistakes found together: the unknown keys first (a typo is the likeliest cause of what follows). */
    static ConfigException all(List<ConfigException> mistakes) {
        List<ConfigException> ordered = new ArrayList<>();
        mistakes.stream().filter(ConfigException::isUnknownKey).forEach(ordered::add);
        mistakes.stream().filter(m -> !m.isUnknownKey()).forEach(ordered::add);
        List<String> lines = new ArrayList<>();
        for (ConfigException m : ordered) {
            for (String line : m.problems()) {
                if (!lines.contains(line)) {
                    lines.add(line);
                }
            }
        }
        return new ConfigException(ordered.get(0).key(), String.join("; ", lines), null, List.copyOf(lines));
    }

    public String key() {
        return key;
    }

    boolean isUnknownKey() {
        return knownKeys != null;
    }

    /**
     * One line per mistake, as the command prints them: an unknown key as {@code unknown key server.adr (did you
     * mean server.addr?)}, or with the keys its mapping knows when none is close.
     */
    public List<String> problems() {
        if (problems != null) {
            return problems;
        }
        if (knownKeys == null) {
            return List.of(getMessage());
        }
        int dot = key.lastIndexOf('.');
        String prefix = dot < 0 ? "" : key.substring(0, dot + 1);
        return List.of("unknown key " + key + KeySuggestion.closest(key.substring(dot + 1), knownKeys)
                .map(s -> " (did you mean " + prefix + s + "?)")
                .orElse(" (known: " + String.join(", ", new TreeSet<>(knownKeys)) + ")"));
    }
}
