package dev.portcullis.registry.health;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.GoDuration;
import dev.portcullis.registry.config.ListenAddress;
import dev.portcullis.registry.storage.RegistryStorage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Distribution's {@code health} section as checks: storagedriver, file, http and tcp. */
public final class Checks {
    private Checks() {}

    public record Configured(HealthCheck check, boolean gatesApi) {}

    public static List<Configured> fromConfig(ConfigTree tree, String driver, RegistryStorage storage) {
        List<Configured> out = new ArrayList<>();
        // The storage is always probed for readiness; it gates the API only when enabled, as in Distribution.
        boolean enabled = tree.bool("health.storagedriver.enabled", false);
        out.add(new Configured(check("storagedriver_" + driver,
                tree.duration("health.storagedriver.interval", Duration.ofSeconds(10)),
                tree.integer("health.storagedriver.threshold", 3, 1, 1000), storage::healthCheck), enabled));
        List<Map<String, Object>> files = entries(tree, "health.file");
        for (int i = 0; i < files.size(); i++) {
            Map<String, Object> e = files.get(i);
            String key = "health.file[" + i + "]";
            Path file = Path.of(required(e, "file", key));
            out.add(new Configured(check("file_" + file, duration(e, "interval", key, Duration.ofSeconds(10)), 1, () -> {
                if (Files.exists(file)) {
                    throw new IOException(file + " exists");
                }
            }), true));
        }
        List<Map<String, Object>> https = entries(tree, "health.http");
        for (int i = 0; i < https.size(); i++) {
            out.add(new Configured(http(https.get(i), "health.http[" + i + "]"), true));
        }
        List<Map<String, Object>> tcps = entries(tree, "health.tcp");
        for (int i = 0; i < tcps.size(); i++) {
            Map<String, Object> e = tcps.get(i);
            String key = "health.tcp[" + i + "]";
            ListenAddress addr = ListenAddress.parse(key + ".addr", required(e, "addr", key));
            Duration timeout = duration(e, "timeout", key, Duration.ofSeconds(5));
            out.add(new Configured(check("tcp_" + addr, duration(e, "interval", key, Duration.ofSeconds(10)),
                    threshold(e, key), () -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(addr.host(), addr.port()), (int) timeout.toMillis());
                        }
                    }), true));
        }
        return out;
    }

    private static HealthCheck http(Map<String, Object> e, String key) {
        URI uri;
        try {
            uri = URI.create(required(e, "uri", key));
        } catch (IllegalArgumentException bad) {
            throw new ConfigException(key + ".uri", "not a URI");
        }
        int expected = e.get("statuscode") == null ? 200 : Integer.parseInt(String.valueOf(e.get("statuscode")));
        Duration timeout = duration(e, "timeout", key, Duration.ofSeconds(5));
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (e.get("headers") instanceof Map<?, ?> headers) {
            headers.forEach((name, values) -> {
                for (Object v : values instanceof List<?> l ? l : List.of(values)) {
                    request.header(String.valueOf(name), String.valueOf(v));
                }
            });
        }
        HttpRequest built = request.build();
        return check("http_" + uri, duration(e, "interval", key, Duration.ofSeconds(10)), threshold(e, key), () -> {
            int status = client.send(built, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status != expected) {
                throw new IOException(uri + " answered " + status + ", expected " + expected);
            }
        });
    }

    /** A check from a probe. */
    public static HealthCheck check(String name, Duration interval, int threshold, Probe probe) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Duration interval() {
                return interval;
            }

            @Override
            public int threshold() {
                return threshold;
            }

            @Override
            public void probe() throws Exception {
                probe.run();
            }
        };
    }

    @FunctionalInterface
    public interface Probe {
        void run() throws Exception;
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
