package dev.portcullis.registry.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Distribution's {@code config.yml} as a tree of maps, with {@code REGISTRY_*} environment overrides applied the way
 * Distribution applies them: {@code REGISTRY_HTTP_TLS_CERTIFICATE} sets {@code http.tls.certificate}, matching
 * existing keys case-insensitively. Typed getters name the key in every error.
 */
public final class ConfigTree {
    private final Map<String, Object> root;
    /** Dotted key to the {@code REGISTRY_*} variable that set it, so that a typo is named where it was made. */
    private final Map<String, String> setByVariable = new LinkedHashMap<>();

    private ConfigTree(Map<String, Object> root) {
        this.root = root;
    }

    public static ConfigTree parse(String yaml, String source) {
        Object loaded;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(50);
            loaded = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (YAMLException e) {
            String reason = e.getMessage() == null ? "unreadable" : e.getMessage().replace('\n', ' ');
            throw new ConfigException(source + ": not valid YAML: " + reason);
        }
        if (loaded == null) {
            return new ConfigTree(new LinkedHashMap<>());
        }
        if (!(loaded instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": the top level must be a mapping of keys (version, http, storage, ...)");
        }
        return new ConfigTree(copy(map));
    }

    public static ConfigTree empty() {
        return new ConfigTree(new LinkedHashMap<>());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object v = e.getValue();
            out.put(String.valueOf(e.getKey()), v instanceof Map<?, ?> m ? copy(m) : v);
        }
        return out;
    }

    /** Applies every {@code REGISTRY_*} variable of {@code env}. */
    public ConfigTree withEnvironment(Map<String, String> env) {
        env.entrySet().stream()
                .filter(e -> e.getKey().startsWith("REGISTRY_") && e.getKey().length() > "REGISTRY_".length())
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> override(e.getKey(), e.getValue()));
        return this;
    }

    @SuppressWarnings("unchecked")
    private void override(String variable, String value) {
        String[] path = variable.substring("REGISTRY_".length()).toLowerCase(Locale.ROOT).split("_");
        if (path.length == 1 && path[0].equals("storage")) {
            selectStorageDriver(value);
            return;
        }
        Map<String, Object> node = root;
        StringBuilder dotted = new StringBuilder();
        for (int i = 0; i < path.length - 1; i++) {
            String key = existingKey(node, path[i]);
            dotted.append(key).append('.');
            Object child = node.get(key);
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                node.put(key, child);
            }
            node = (Map<String, Object>) child;
        }
        String leaf = existingKey(node, path[path.length - 1]);
        node.put(leaf, envValue(variable, value));
        setByVariable.put(dotted + leaf, variable);
    }

    /** The {@code REGISTRY_*} variable that set {@code dottedKey} or a mapping above it, if one did. */
    public Optional<String> variableThatSet(String dottedKey) {
        for (String key = dottedKey; ; key = key.substring(0, key.lastIndexOf('.'))) {
            String variable = setByVariable.get(key);
            if (variable != null) {
                return Optional.of(variable);
            }
            if (key.indexOf('.') < 0) {
                return Optional.empty();
            }
        }
    }

    /** {@code REGISTRY_STORAGE=s3} picks the driver, keeping the driver-independent sections. */
    @SuppressWarnings("unchecked")
    private void selectStorageDriver(String driver) {
        Map<String, Object> storage = root.get("storage") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : new LinkedHashMap<>();
        Map<String, Object> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : storage.entrySet()) {
            if (StorageSettings.GENERIC_SECTIONS.contains(e.getKey().toLowerCase(Locale.ROOT))
                    || e.getKey().equalsIgnoreCase(driver)) {
                kept.put(e.getKey(), e.getValue());
            }
        }
        kept.putIfAbsent(driver.toLowerCase(Locale.ROOT), new LinkedHashMap<String, Object>());
        root.put("storage", kept);
    }

    private static String existingKey(Map<String, Object> node, String lower) {
        for (String k : node.keySet()) {
            if (k.toLowerCase(Locale.ROOT).equals(lower)) {
                return k;
            }
        }
        return lower;
    }

    /** Lists and maps may be given inline as YAML flow ({@code [a, b]}); everything else stays a string. */
    private static Object envValue(String variable, String value) {
        String t = value.trim();
        if (t.startsWith("[") || t.startsWith("{")) {
            try {
                Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(t);
                return parsed instanceof Map<?, ?> m ? copy(m) : parsed;
            } catch (YAMLException e) {
                throw new ConfigException(variable, "not a valid YAML list or map");
            }
        }
        return value;
    }

    // ---- typed access ------------------------------------------------------------------------------------------

    public Map<String, Object> asMap() {
        return root;
    }

    public Optional<Object> get(String dottedKey) {
        Object node = root;
        for (String part : dottedKey.split("\\.")) {
            if (!(node instanceof Map<?, ?> m)) {
                return Optional.empty();
            }
            node = m.get(part);
            if (node == null) {
                return Optional.empty();
            }
        }
        return Optional.of(node);
    }

    public boolean has(String dottedKey) {
        return get(dottedKey).isPresent();
    }

    public Optional<String> string(String key) {
        return get(key).map(v -> {
            if (v instanceof Map || v instanceof List) {
                throw new ConfigException(key, "must be a single value, not a " + (v instanceof Map ? "mapping" : "list"));
            }
            return String.valueOf(v);
        }).filter(s -> !s.isEmpty());
    }

    public String string(String key, String fallback) {
        return string(key).orElse(fallback);
    }

    public boolean bool(String key, boolean fallback) {
        Optional<Object> v = get(key);
        if (v.isEmpty()) {
            return fallback;
        }
        Object o = v.get();
        if (o instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(o).trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0", "" -> false;
            default -> throw new ConfigException(key, "'" + o + "' is not true or false");
        };
    }

    public int integer(String key, int fallback, int min, int max) {
        Optional<Object> v = get(key);
        if (v.isEmpty()) {
            return fallback;
        }
        int n;
        try {
            n = v.get() instanceof Number num ? Math.toIntExact(num.longValue()) : Integer.parseInt(String.valueOf(v.get()).trim());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(key, "'" + v.get() + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw new ConfigException(key, n + " is out of range (" + min + " to " + max + ")");
        }
        return n;
    }

    public Duration duration(String key, Duration fallback) {
        return string(key).map(s -> GoDuration.parse(key, s)).orElse(fallback);
    }

    /** A list of strings; a single string counts as a list of one. */
    public List<String> stringList(String key) {
        Optional<Object> v = get(key);
        if (v.isEmpty()) {
            return List.of();
        }
        if (v.get() instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (o instanceof Map || o instanceof List) {
                    throw new ConfigException(key, "must be a list of strings");
                }
                out.add(String.valueOf(o));
            }
            return out;
        }
        if (v.get() instanceof Map) {
            throw new ConfigException(key, "must be a list, not a mapping");
        }
        return List.of(String.valueOf(v.get()));
    }

    /** A mapping, such as {@code http.headers}; empty if absent. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> map(String key) {
        Optional<Object> v = get(key);
        if (v.isEmpty()) {
            return Map.of();
        }
        if (!(v.get() instanceof Map)) {
            throw new ConfigException(key, "must be a mapping");
        }
        return (Map<String, Object>) v.get();
    }

    /** Every leaf key, dotted, for the unknown-key check. */
    public List<String> leafKeys() {
        List<String> out = new ArrayList<>();
        collect("", root, out);
        return out;
    }

    private static void collect(String prefix, Map<?, ?> node, List<String> out) {
        for (Map.Entry<?, ?> e : node.entrySet()) {
            String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m && !m.isEmpty()) {
                collect(key, m, out);
            } else {
                out.add(key);
            }
        }
    }
}
