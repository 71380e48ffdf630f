package dev.portcullis.registry.config;

/** A configuration problem, phrased as one line that names the key and what is wrong with it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String key, String problem) {
        super(key + ": " + problem, null, false, false);
    }

    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
