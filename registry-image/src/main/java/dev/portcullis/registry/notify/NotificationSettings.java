package dev.portcullis.registry.notify;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.GoDuration;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Distribution's {@code notifications} section: the endpoints and {@code events.includereferences}. Parsed once at
 * start-up; every file it names (header values, signing secret, TLS material) is read here, so a missing one stops the
 * registry with the key that names it instead of failing the first delivery.
 */
public record NotificationSettings(List<EndpointSettings> endpoints, boolean includeReferences) {
    /** Distribution's defaults for an endpoint that does not set them. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    static final int DEFAULT_THRESHOLD = 10;
    static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);
    static final int DEFAULT_BACKLOG = 10_000;

    private static final Set<String> ENDPOINT_KEYS = Set.of("name", "url", "headers", "headerfiles", "timeout",
            "threshold", "backoff", "ignoredmediatypes", "ignore", "disabled", "backlog", "format", "signingsecretfile",
            "tls");
    private static final Set<String> ACTIONS = Set.of("push", "pull", "mount", "delete");

    public static NotificationSettings none() {
        return new NotificationSettings(List.of(), false);
    }

    /** The endpoints that are not {@code disabled}. */
    public List<EndpointSettings> active() {
        return endpoints.stream().filter(e -> !e.disabled()).toList();
    }

    public static NotificationSettings from(ConfigTree tree) {
        boolean references = tree.bool("notifications.events.includereferences", false);
        Optional<Object> raw = tree.get("notifications.endpoints");
        if (raw.isEmpty()) {
            return new NotificationSettings(List.of(), references);
        }
        if (!(raw.get() instanceof List<?> list)) {
            throw new ConfigException("notifications.endpoints", "must be a list of endpoints");
        }
        List<EndpointSettings> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String key = "notifications.endpoints[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new ConfigException(key, "must be a mapping with at least name and url");
            }
            EndpointSettings e = endpoint(key, lowerKeys(key, m));
            if (!names.add(e.name())) {
                throw new ConfigException(key + ".name", "'" + e.name() + "' is used by another endpoint");
            }
            out.add(e);
        }
        return new NotificationSettings(List.copyOf(out), references);
    }

    private static Map<String, Object> lowerKeys(String key, Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k).toLowerCase(Locale.ROOT), v));
        for (String k : out.keySet()) {
            if (!ENDPOINT_KEYS.contains(k)) {
                throw new ConfigException(key + "." + k, "unknown endpoint key (known: " + String.join(", ",
                        ENDPOINT_KEYS.stream().sorted().toList()) + ")");
            }
        }
        return out;
    }

    private static EndpointSettings endpoint(String key, Map<String, Object> m) {
        ConfigTree t = treeOf(m);
        String name = t.string("name").orElseThrow(() -> new ConfigException(key + ".name", "missing"));
        String urlText = t.string("url").orElseThrow(() -> new ConfigException(key + ".url", "missing"));
        URI url = url(key + ".url", urlText);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        t.map("headers").forEach((h, v) -> headers.put(h, listOf(key + ".headers." + h, v)));
        for (String h : headers.keySet()) {
            restricted(key + ".headers." + h, h);
        }
        Set<String> secretHeaders = new LinkedHashSet<>();
        t.map("headerfiles").forEach((h, v) -> {
            restricted(key + ".headerfiles." + h, h);
            String file = single(key + ".headerfiles." + h, v);
            headers.put(h, List.of(new String(read(key + ".headerfiles." + h, file), StandardCharsets.UTF_8).trim()));
            secretHeaders.add(h);
        });
        Duration timeout = positive(t, key + ".timeout", "timeout", DEFAULT_TIMEOUT);
        Duration backoff = positive(t, key + ".backoff", "backoff", DEFAULT_BACKOFF);
        int threshold = intOf(t, key, "threshold", DEFAULT_THRESHOLD, 0, 1_000_000);
        int backlog = intOf(t, key, "backlog", DEFAULT_BACKLOG, 1, 10_000_000);
        Set<String> mediaTypes = new LinkedHashSet<>(strings(t, key, "ignoredmediatypes"));
        mediaTypes.addAll(strings(t, key, "ignore.mediatypes"));
        Set<String> actions = new LinkedHashSet<>();
        for (String a : strings(t, key, "ignore.actions")) {
            String action = a.toLowerCase(Locale.ROOT);
            if (!ACTIONS.contains(action)) {
                throw new ConfigException(key + ".ignore.actions", "'" + a + "' is not one of push, pull, mount, delete");
            }
            actions.add(action);
        }
        EndpointSettings.Format format = switch (t.string("format", "distribution").toLowerCase(Locale.ROOT)) {
            case "distribution" -> EndpointSettings.Format.DISTRIBUTION;
            case "cloudevents" -> EndpointSettings.Format.CLOUDEVENTS;
            default -> throw new ConfigException(key + ".format", "'" + t.string("format", "") + "' is not distribution or cloudevents");
        };
        Optional<byte[]> secret = t.string("signingsecretfile").map(f -> {
            byte[] bytes = new String(read(key + ".signingsecretfile", f), StandardCharsets.UTF_8).trim()
                    .getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 16) {
                throw new ConfigException(key + ".signingsecretfile", f + " holds fewer than 16 bytes; use a random secret of 32 bytes or more");
            }
            return bytes;
        });
        Optional<EndpointSettings.EndpointTls> tls = tls(key, t);
        if (tls.isPresent() && !url.getScheme().equals("https")) {
            throw new ConfigException(key + ".tls", "is set but the url " + url + " is not https");
        }
        return new EndpointSettings(name, url, Map.copyOf(headers), timeout, threshold, backoff, Set.copyOf(mediaTypes),
                Set.copyOf(actions), t.bool("disabled", false), backlog, format, secret, tls, Set.copyOf(secretHeaders));
    }

    private static Optional<EndpointSettings.EndpointTls> tls(String key, ConfigTree t) {
        if (!t.has("tls")) {
            return Optional.empty();
        }
        Optional<Path> ca = t.string("tls.ca").map(f -> readable(key + ".tls.ca", f));
        Optional<Path> cert = t.string("tls.certificate").map(f -> readable(key + ".tls.certificate", f));
        Optional<Path> keyFile = t.string("tls.key").map(f -> readable(key + ".tls.key", f));
        if (cert.isPresent() != keyFile.isPresent()) {
            throw new ConfigException(key + (cert.isPresent() ? ".tls.key" : ".tls.certificate"),
                    "missing: a client certificate needs both tls.certificate and tls.key");
        }
        for (String k : t.map("tls").keySet()) {
            if (!Set.of("ca", "certificate", "key").contains(k.toLowerCase(Locale.ROOT))) {
                throw new ConfigException(key + ".tls." + k, "unknown key (known: ca, certificate, key)");
            }
        }
        return Optional.of(new EndpointSettings.EndpointTls(ca, cert, keyFile));
    }

    @SuppressWarnings("unchecked")
    private static ConfigTree treeOf(Map<String, Object> m) {
        ConfigTree t = ConfigTree.empty();
        t.asMap().putAll(m);
        return t;
    }

    private static URI url(String key, String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigException(key, "'" + text + "' is not a URL: " + e.getReason());
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ConfigException(key, "'" + text + "' must be an http:// or https:// URL");
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new ConfigException(key, "'" + text + "' has no host");
        }
        if (url.getUserInfo() != null) {
            throw new ConfigException(key, "must not carry credentials; put them in headerfiles (for example Authorization)");
        }
        return url;
    }

    /** Headers the HTTP client sets itself; a configured value would be refused at the first delivery. */
    private static void restricted(String key, String header) {
        if (Set.of("connection", "content-length", "content-type", "expect", "host", "upgrade")
                .contains(header.toLowerCase(Locale.ROOT))) {
            throw new ConfigException(key, "the " + header + " header is set by the registry and cannot be configured");
        }
    }

    private static Duration positive(ConfigTree t, String fullKey, String key, Duration fallback) {
        Duration d = t.string(key).map(s -> GoDuration.parse(fullKey, s)).orElse(fallback);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(fullKey, "must be longer than zero");
        }
        return d;
    }

    private static int intOf(ConfigTree t, String key, String sub, int fallback, int min, int max) {
        try {
            return t.integer(sub, fallback, min, max);
        } catch (ConfigException e) {
            throw new ConfigException(key + "." + sub, e.getMessage().substring(e.getMessage().indexOf(':') + 1).trim());
        }
    }

    private static List<String> strings(ConfigTree t, String key, String sub) {
        try {
            return t.stringList(sub);
        } catch (ConfigException e) {
            throw new ConfigException(key + "." + sub, "must be a list of strings");
        }
    }

    private static List<String> listOf(String key, Object v) {
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                out.add(single(key, o));
            }
            return List.copyOf(out);
        }
        return List.of(single(key, v));
    }

    private static String single(String key, Object v) {
        if (v == null || v instanceof Map || v instanceof List) {
            throw new ConfigException(key, "must be a string");
        }
        return String.valueOf(v);
    }

    private static Path readable(String key, String file) {
        Path p = Path.of(file);
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
            throw new ConfigException(key, "cannot read file " + file);
        }
        return p;
    }

    private static byte[] read(String key, String file) {
        try {
            return Files.readAllBytes(readable(key, file));
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read file " + file + ": " + e.getMessage());
        }
    }
}
