package dev.portcullis.registry.config;

import java.util.List;

/**
 * A configuration problem, phrased as one line that names the key and what is wrong with it; or, from the loader,
 * every problem of a configuration at once, each its own line in {@link #problems()}.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String key, String problem) {
        this(key + ": " + problem);
    }

    public ConfigException(String message) {
        super(message, null, false, false);
        this.problems = List.of(message);
    }

    /** Several problems found together, in the order they are best read (a typo before the errors it causes). */
    public ConfigException(List<String> problems) {
        super(String.join("; ", problems), null, false, false);
        this.problems = List.copyOf(problems);
    }

    /** One line per problem; a single-problem exception's one line is its message. */
    public List<String> problems() {
        return problems;
    }
}
