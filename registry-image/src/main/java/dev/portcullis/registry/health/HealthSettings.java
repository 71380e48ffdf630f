package dev.portcullis.registry.health;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.GoDuration;
import dev.portcullis.registry.config.ListenAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Distribution's {@code health} section: the storage driver probe, and the file, http and tcp checks. */
public record HealthSettings(StorageDriverCheck storageDriver, List<FileCheck> files, List<HttpCheck> http,
                             List<TcpCheck> tcp) {

    /** {@code enabled}: whether a failing storage gates the API; it is probed for readiness either way. */
    public record StorageDriverCheck(boolean enabled, Duration interval, int threshold) {}

    /** Unhealthy while {@code file} exists (Distribution's maintenance switch). */
    public record FileCheck(Path file, Duration interval) {}

    public record HttpCheck(URI uri, int statusCode, Duration timeout, Map<String, List<String>> headers,
                            Duration interval, int threshold) {}

    public record TcpCheck(ListenAddress addr, Duration timeout, Duration interval, int threshold) {}

    public static HealthSettings from(ConfigTree tree) {
        StorageDriverCheck storage = new StorageDriverCheck(tree.bool("health.storagedriver.enabled", false),
                tree.duration("health.storagedriver.interval", Duration.ofSeconds(10)),
                tree.integer("health.storagedriver.threshold", 3, 1, 1000));
        List<FileCheck> files = new ArrayList<>();
        List<Map<String, Object>> fileEntries = entries(tree, "health.file");
        for (int i = 0; i < fileEntries.size(); i++) {
            Map<String, Object> e = fileEntries.get(i);
            String key = "health.file[" + i + "]";
            files.add(new FileCheck(Path.of(required(e, "file", key)), duration(e, "interval", key, Duration.ofSeconds(10))));
        }
        List<HttpCheck> https = new ArrayList<>();
        List<Map<String, Object>> httpEntries = entries(tree, "health.http");
        for (int i = 0; i < httpEntries.size(); i++) {
            https.add(http(httpEntries.get(i), "health.http[" + i + "]"));
        }
        List<TcpCheck> tcps = new ArrayList<>();
        List<Map<String, Object>> tcpEntries = entries(tree, "health.tcp");
        for (int i = 0; i < tcpEntries.size(); i++) {
            Map<String, Object> e = tcpEntries.get(i);
            String key = "health.tcp[" + i + "]";
            tcps.add(new TcpCheck(ListenAddress.parse(key + ".addr", required(e, "addr", key)),
                    duration(e, "timeout", key, Duration.ofSeconds(5)), duration(e, "interval", key, Duration.ofSeconds(10)),
                    threshold(e, key)));
        }
        return new HealthSettings(storage, List.copyOf(files), List.copyOf(https), List.copyOf(tcps));
    }

    private static HttpCheck http(Map<String, Object> e, String key) {
        URI uri;
        try {
            uri = URI.create(required(e, "uri", key));
        } catch (IllegalArgumentException bad) {
            throw new ConfigException(key + ".uri", "not a URI");
        }
        if (uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new ConfigException(key + ".uri", "'" + uri + "' must be an http:// or https:// URL");
        }
        int expected;
        try {
            expected = e.get("statuscode") == null ? 200 : Integer.parseInt(String.valueOf(e.get("statuscode")).trim());
        } catch (NumberFormatException bad) {
            throw new ConfigException(key + ".statuscode", "'" + e.get("statuscode") + "' is not an HTTP status code");
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        if (e.get("headers") instanceof Map<?, ?> map) {
            map.forEach((name, values) -> {
                List<String> list = new ArrayList<>();
                for (Object v : values instanceof List<?> l ? l : List.of(values)) {
                    list.add(String.valueOf(v));
                }
                headers.put(String.valueOf(name), List.copyOf(list));
            });
        }
        return new HttpCheck(uri, expected, duration(e, "timeout", key, Duration.ofSeconds(5)), Map.copyOf(headers),
                duration(e, "interval", key, Duration.ofSeconds(10)), threshold(e, key));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> entries(ConfigTree tree, String key) {
        Object v = tree.get(key).orElse(null);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list) || list.stream().anyMatch(o -> !(o instanceof Map))) {
            throw new ConfigException(key, "must be a list of mappings");
        }
        return (List<Map<String, Object>>) v;
    }

    private static String required(Map<String, Object> e, String field, String key) {
        Object v = e.get(field);
        if (v == null || String.valueOf(v).isEmpty()) {
            throw new ConfigException(key + "." + field, "missing");
        }
        return String.valueOf(v);
    }

    private static Duration duration(Map<String, Object> e, String field, String key, Duration fallback) {
        Object v = e.get(field);
        return v == null ? fallback : GoDuration.parse(key + "." + field, String.valueOf(v));
    }

    private static int threshold(Map<String, Object> e, String key) {
        Object v = e.get("threshold");
        try {
            return v == null ? 1 : Math.max(1, Integer.parseInt(String.valueOf(v)));
        } catch (NumberFormatException bad) {
            throw new ConfigException(key + ".threshold", "'" + v + "' is not a whole number");
        }
    }
}
