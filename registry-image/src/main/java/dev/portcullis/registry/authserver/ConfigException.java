package dev.portcullis.registry.authserver;

/**
 * A configuration mistake, named by its key path ({@code token.expiration}) so the one line the command prints
 * tells the operator exactly what to fix. Never carries a secret value in its message.
 */
public final class ConfigException extends Exception {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
