package dev.portcullis.registry.authserver;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One mapping of the configuration file with typed readers that name the full key of a mistake
 * ({@code ldap_auth.tls}), for the backend sections' parsers. Relative paths resolve against the file's directory.
 */
public final class ConfigSection {
    private final String prefix;
    private final Map<String, Object> values;
    private final Path baseDir;

    /** {@code key} is the section's own key ({@code ldap_auth}); {@code raw} must be a mapping or null (empty). */
    ConfigSection(String key, Object raw, Path baseDir) throws ConfigException {
        this.prefix = key;
        this.baseDir = baseDir;
        this.values = new LinkedHashMap<>();
        if (raw == null) {
            return;
        }
        if (!(raw instanceof Map<?, ?> m)) {
            throw new ConfigException(key, "must be a mapping");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            values.put(e.getKey() == null ? "" : String.valueOf(e.getKey()), e.getValue());
        }
    }

    /** The full name of {@code k} in this section, for error messages. */
    public String key(String k) {
        return prefix + "." + k;
    }

    public boolean has(String k) {
        return values.get(k) != null;
    }

    /** Unknown keys are errors: a typo silently ignored in an access-control file is a hole. */
    public void allowOnly(Set<String> known) throws ConfigException {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw ConfigException.unknownKey(key(k), known);
            }
        }
    }

    public String string(String k, String dflt) throws ConfigException {
        Object o = values.get(k);
        if (o == null) {
            return dflt;
        }
        if (o instanceof String || o instanceof Number) {
            return String.valueOf(o);
        }
        throw new ConfigException(key(k), "must be a string");
    }

    public String required(String k) throws ConfigException {
        String s = string(k, null);
        if (s == null || s.isBlank()) {
            throw new ConfigException(key(k), "required");
        }
        return s;
    }

    public boolean bool(String k, boolean dflt) throws ConfigException {
        Object o = values.get(k);
        if (o == null) {
            return dflt;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(key(k), "must be true or false");
    }

    public int integer(String k, int dflt, int min) throws ConfigException {
        Object o = values.get(k);
        if (o == null) {
            return dflt;
        }
        if (!(o instanceof Integer n) || n < min) {
            throw new ConfigException(key(k), "must be a whole number >= " + min);
        }
        return n;
    }

    public Duration duration(String k, Duration dflt) throws ConfigException {
        Object o = values.get(k);
        if (o == null) {
            return dflt;
        }
        try {
            return Durations.parse(o);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key(k), e.getMessage());
        }
    }

    /** A duration that must be longer than zero (timeouts, reload intervals). */
    public Duration positiveDuration(String k, Duration dflt) throws ConfigException {
        Duration d = duration(k, dflt);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(key(k), "must be longer than zero");
        }
        return d;
    }

    /** A path, resolved against the configuration file's directory; null when absent. */
    public Path path(String k) throws ConfigException {
        String s = string(k, null);
        if (s == null || s.isBlank()) {
            return null;
        }
        return baseDir == null ? Path.of(s) : baseDir.resolve(s);
    }

    public List<String> strings(String k) throws ConfigException {
        Object o = values.get(k);
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new ConfigException(key(k), "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object e : l) {
            if (!(e instanceof String s)) {
                throw new ConfigException(key(k), "must be a list of strings");
            }
            out.add(s);
        }
        return out;
    }

    /** A nested mapping as a section of its own ({@code ldap_auth.labels}); empty when absent. */
    public ConfigSection section(String k) throws ConfigException {
        return new ConfigSection(key(k), values.get(k), baseDir);
    }

    /** The keys of this mapping, in file order. */
    public Set<String> keys() {
        return values.keySet();
    }
}
