package dev.portcullis.registry.authserver;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the users file ({@code users_file}). Two formats, told apart by shape: docker_auth's YAML mapping
 * ({@code alice: {password: "$2y$..."}}), the same as the inline {@code users:} section; or htpasswd lines
 * ({@code alice:$2y$...}) so the Secret the operator already makes for htpasswd mode can be mounted as is.
 * Errors name the user or line, never a hash.
 */
final class UsersFile {
    private UsersFile() {
    }

    static Map<String, String> parse(String content, String key) throws ConfigException {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(content);
        } catch (RuntimeException notYaml) {
            root = null;
        }
        if (root instanceof Map<?, ?> map) {
            return parseMapping(map, key);
        }
        return parseHtpasswd(content, key);
    }

    /**
     * The static users' {@code labels} (docker_auth's {@code users: {alice: {labels: {group: [admins]}}}}), for the
     * ACLs' {@code match.labels} and {@code ${labels:NAME}}; htpasswd content has none.
     */
    static Map<String, Map<String, List<String>>> parseLabels(String content, String key) throws ConfigException {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(content);
        } catch (RuntimeException notYaml) {
            return Map.of();
        }
        return root instanceof Map<?, ?> map ? labelsOf(map, key) : Map.of();
    }

    /** The labels of a {@code users:} mapping already checked by {@link #parseMapping}. */
    static Map<String, Map<String, List<String>>> labelsOf(Map<?, ?> users, String key) throws ConfigException {
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : users.entrySet()) {
            String name = e.getKey() == null ? "" : String.valueOf(e.getKey());
            if (!(e.getValue() instanceof Map<?, ?> entry) || entry.get("labels") == null) {
                continue;
            }
            String at = key + "." + (name.isEmpty() ? "\"\"" : name) + ".labels";
            if (!(entry.get("labels") instanceof Map<?, ?> labels)) {
                throw new ConfigException(at, "must be a mapping of label name to a list of values");
            }
            Map<String, List<String>> values = new LinkedHashMap<>();
            for (Map.Entry<?, ?> l : labels.entrySet()) {
                if (!(l.getValue() instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
                    throw new ConfigException(at + "." + l.getKey(), "must be a list of strings, e.g. [admins]");
                }
                values.put(String.valueOf(l.getKey()), list.stream().map(String.class::cast).toList());
            }
            out.put(name, Map.copyOf(values));
        }
        return out;
    }

    /** docker_auth's {@code users:} mapping; also used for the inline section. */
    static Map<String, String> parseMapping(Map<?, ?> map, String key) throws ConfigException {
        Map<String, String> users = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = e.getKey() == null ? "" : String.valueOf(e.getKey());
            String at = key + "." + (name.isEmpty() ? "\"\"" : name);
            Object v = e.getValue();
            if (v != null && !(v instanceof Map)) {
                throw new ConfigException(at, "must be a mapping such as {password: \"$2y$...\"}");
            }
            Map<?, ?> entry = v == null ? Map.of() : (Map<?, ?>) v;
            for (Object k : entry.keySet()) {
                if (!"password".equals(k) && !"labels".equals(k)) {
                    throw new ConfigException(at + "." + k, "unknown key (expected password, labels)");
                }
            }
            Object pw = entry.get("password");
            if (name.isEmpty()) {
                if (pw != null) {
                    throw new ConfigException(at + ".password", "the anonymous user \"\" takes no password");
                }
                users.put("", "");
                continue;
            }
            if (!(pw instanceof String hash) || !PasswordHashes.isBcrypt(hash)) {
                throw new ConfigException(at + ".password", "must be a bcrypt hash ($2y$/$2a$/$2b$, e.g. from htpasswd -nB)");
            }
            users.put(name, hash);
        }
        return users;
    }

    private static Map<String, String> parseHtpasswd(String content, String key) throws ConfigException {
        Map<String, String> users = new LinkedHashMap<>();
        String[] lines = content.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !PasswordHashes.isBcrypt(line.substring(colon + 1))) {
                throw new ConfigException(key, "line " + (i + 1) + " is neither YAML users nor htpasswd name:bcrypt-hash");
            }
            users.put(line.substring(0, colon), line.substring(colon + 1));
        }
        return users;
    }
}
