package dev.portcullis.registry.authserver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed readers for the values of one backend's configuration section (as SnakeYAML or a BSON document gives them),
 * each naming the full key of a mistake ({@code mongo_auth.dial_info.timeout}).
 */
final class SectionValues {
    private SectionValues() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String key) throws ConfigException {
        if (o == null) {
            return new LinkedHashMap<>();
        }
        if (!(o instanceof Map)) {
            throw new ConfigException(key, "must be a mapping");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : ((Map<Object, Object>) o).entrySet()) {
            out.put(e.getKey() == null ? "" : String.valueOf(e.getKey()), e.getValue());
        }
        return out;
    }

    static void onlyKeys(Map<String, Object> m, Set<String> known, String prefix) throws ConfigException {
        for (String k : m.keySet()) {
            if (!known.contains(k)) {
                throw new ConfigException(prefix + k, "unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    static String string(Object o, String key, String dflt) throws ConfigException {
        if (o == null) {
            return dflt;
        }
        if (o instanceof String || o instanceof Number) {
            return String.valueOf(o);
        }
        throw new ConfigException(key, "must be a string");
    }

    static String required(Object o, String key) throws ConfigException {
        String s = string(o, key, null);
        if (s == null || s.isBlank()) {
            throw new ConfigException(key, "required");
        }
        return s;
    }

    static boolean bool(Object o, String key, boolean dflt) throws ConfigException {
        if (o == null) {
            return dflt;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(key, "must be true or false");
    }

    /** A duration longer than zero: seconds or a Go duration string, as docker_auth writes them. */
    static Duration positiveDuration(Object o, String key, Duration dflt) throws ConfigException {
        if (o == null) {
            return dflt;
        }
        Duration d;
        try {
            d = Durations.parse(o);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(key, "must be longer than zero");
        }
        return d;
    }

    static List<String> strings(Object o, String key) throws ConfigException {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new ConfigException(key, "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object e : l) {
            if (!(e instanceof String s)) {
                throw new ConfigException(key, "must be a list of strings");
            }
            out.add(s);
        }
        return out;
    }
}
