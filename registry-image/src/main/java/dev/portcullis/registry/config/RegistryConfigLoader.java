package dev.portcullis.registry.config;

import dev.portcullis.registry.api.BodyLimits;
import dev.portcullis.registry.auth.AuthSettings;
import dev.portcullis.registry.gc.GcSettings;
import dev.portcullis.registry.health.HealthSettings;
import dev.portcullis.registry.notify.NotificationSettings;
import dev.portcullis.registry.proxy.ProxySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads a Distribution {@code config.yml}, applies the environment, and validates it into a {@link RegistryConfig}. */
public final class RegistryConfigLoader {
    private static final Set<String> DRIVERS = Set.of("filesystem", "s3", "inmemory", "azure");

    private RegistryConfigLoader() {}

    public static RegistryConfig load(Path file, Map<String, String> env) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the configuration file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return fromTree(ConfigTree.parse(yaml, file.toString()).withEnvironment(env));
    }

    /** Parses YAML text ({@code source} names it in messages) with the {@code REGISTRY_*} variables of {@code env}. */
    public static RegistryConfig parse(String yaml, String source, Map<String, String> env) {
        return fromTree(ConfigTree.parse(yaml, source).withEnvironment(env));
    }

    /**
     * Reads every section once. A mistake does not stop the reading: all of them are thrown together in one
     * {@link ConfigException}, after the unknown keys that may have caused them.
     */
    public static RegistryConfig fromTree(ConfigTree tree) {
        List<String> warnings = new ArrayList<>();
        for (String key : tree.leafKeys()) {
            KnownKeys.check(key, tree.variableThatSet(key)).ifPresent(warnings::add);
        }
        ConfigProblems problems = new ConfigProblems();
        problems.check(() -> {
            String version = tree.string("version", "0.1");
            if (!version.equals("0.1")) {
                throw new ConfigException("version", "'" + version + "' is not supported; Distribution's config version is 0.1");
            }
        });
        LogSettings log = problems.read(() -> log(tree));
        StorageSettings storage = problems.read(() -> storage(tree));
        // On its own first, so that a TLS mistake and another http mistake are both reported.
        problems.check(() -> tls(tree));
        HttpSettings http = problems.read(() -> http(tree));
        Integer catalogMaxEntries = problems.read(() -> tree.integer("catalog.maxentries", 1000, 1, 100_000));
        AuthSettings auth = problems.read(() -> AuthSettings.from(tree));
        HealthSettings health = problems.read(() -> HealthSettings.from(tree));
        GcSettings gc = problems.read(() -> GcSettings.from(tree));
        Optional<ProxySettings> proxy = problems.read(() -> ProxySettings.from(tree));
        NotificationSettings notifications = problems.read(() -> NotificationSettings.from(tree));
        BodyLimits body = problems.read(() -> BodyLimits.from(tree));
        problems.throwIfAny(warnings);
        clientCertificatesAlone(tree, http).ifPresent(warnings::add);
        return new RegistryConfig(log, storage, http, catalogMaxEntries, auth, health, gc, proxy, notifications, body,
                List.copyOf(warnings));
    }

    /**
     * {@code verify-if-given} without another scheme: a client that shows no certificate is let through as anonymous
     * with every right, while a pull-only certificate is refused pushes. Legal (a registry open on purpose), so a warning.
     */
    private static Optional<String> clientCertificatesAlone(ConfigTree tree, HttpSettings http) {
        boolean verifyIfGiven = http.tls().map(t -> t.clientAuth() == TlsSettings.ClientAuth.VERIFY_IF_GIVEN).orElse(false);
        if (!verifyIfGiven || tree.has("auth.htpasswd") || tree.has("auth.token")) {
            return Optional.empty();
        }
        return Optional.of("http.tls.clientauth: verify-if-given without auth.htpasswd or auth.token lets a client with no"
                + " certificate pull and push anonymously (while http.tls.pullonly certificates may only pull); use require,"
                + " or add an auth scheme");
    }

    private static LogSettings log(ConfigTree tree) {
        String level = tree.string("log.level", tree.string("loglevel", "info")).toLowerCase(Locale.ROOT);
        if (!Set.of("error", "warn", "info", "debug").contains(level)) {
            throw new ConfigException("log.level", "'" + level + "' is not one of error, warn, info, debug");
        }
        String formatter = tree.string("log.formatter", "text").toLowerCase(Locale.ROOT);
        if (!Set.of("text", "json", "logstash").contains(formatter)) {
            throw new ConfigException("log.formatter", "'" + formatter + "' is not one of text, json, logstash");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        tree.map("log.fields").forEach((k, v) -> fields.put(k, String.valueOf(v)));
        return new LogSettings(level, formatter, Map.copyOf(fields), tree.bool("log.accesslog.disabled", false));
    }

    private static StorageSettings storage(ConfigTree tree) {
        List<String> drivers = new ArrayList<>();
        for (String key : tree.map("storage").keySet()) {
            if (!StorageSettings.GENERIC_SECTIONS.contains(key.toLowerCase(Locale.ROOT))) {
                drivers.add(key.toLowerCase(Locale.ROOT));
            }
        }
        if (drivers.isEmpty()) {
            throw new ConfigException("storage", "no storage driver configured (for example storage.filesystem.rootdirectory)");
        }
        if (drivers.size() > 1) {
            throw new ConfigException("storage", "more than one driver configured: " + String.join(", ", drivers));
        }
        String driver = drivers.get(0);
        if (!DRIVERS.contains(driver)) {
            throw new ConfigException("storage." + driver, "driver '" + driver
                    + "' is not supported (filesystem, s3, azure, inmemory)");
        }
        Map<String, Object> params = tree.get("storage." + driver).orElse(null) instanceof Map<?, ?>
                ? tree.map("storage." + driver) : Map.of();
        if (driver.equals("filesystem")) {
            tree.string("storage.filesystem.rootdirectory").ifPresentOrElse(dir -> {
                if (!Path.of(dir).isAbsolute() && !dir.startsWith(".")) {
                    throw new ConfigException("storage.filesystem.rootdirectory", "'" + dir + "' must be an absolute path");
                }
            }, () -> { });
        }
        var purging = new StorageSettings.UploadPurging(
                tree.bool("storage.maintenance.uploadpurging.enabled", true),
                positive(tree, "storage.maintenance.uploadpurging.age", Duration.ofHours(168)),
                positive(tree, "storage.maintenance.uploadpurging.interval", Duration.ofHours(24)),
                tree.bool("storage.maintenance.uploadpurging.dryrun", false));
        return new StorageSettings(driver, params, tree.bool("storage.delete.enabled", false),
                tree.bool("storage.maintenance.readonly.enabled", false), purging,
                tree.bool("storage.redirect.disable", false));
    }

    /** The filesystem root, with Distribution's default. */
    public static Path filesystemRoot(StorageSettings storage) {
        Object dir = storage.parameters().get("rootdirectory");
        return Path.of(dir == null ? "/var/lib/registry" : String.valueOf(dir));
    }

    private static Duration positive(ConfigTree tree, String key, Duration fallback) {
        Duration d = tree.duration(key, fallback);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(key, "must be longer than zero");
        }
        return d;
    }

    private static HttpSettings http(ConfigTree tree) {
        String net = tree.string("http.net", "tcp");
        if (!net.equals("tcp")) {
            throw new ConfigException("http.net", "'" + net + "' is not supported; only tcp");
        }
        ListenAddress addr = ListenAddress.parse("http.addr", tree.string("http.addr", ":5000"));
        String prefix = tree.string("http.prefix", "/");
        if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
            throw new ConfigException("http.prefix", "'" + prefix + "' must start and end with /");
        }
        Optional<String> host = tree.string("http.host");
        host.ifPresent(h -> {
            if (!h.matches("https?://[^/\\s]+/?")) {
                throw new ConfigException("http.host", "'" + h + "' must be a URL such as https://registry.example.com:5000");
            }
        });
        Map<String, List<String>> headers = new LinkedHashMap<>();
        tree.map("http.headers").forEach((name, v) -> headers.put(name, tree.stringList("http.headers." + name)));
        Optional<ListenAddress> debug = tree.string("http.debug.addr").map(a -> ListenAddress.parse("http.debug.addr", a));
        String promPath = tree.string("http.debug.prometheus.path", "/metrics");
        if (!promPath.startsWith("/")) {
            throw new ConfigException("http.debug.prometheus.path", "'" + promPath + "' must start with /");
        }
        return new HttpSettings(addr, host.map(h -> h.endsWith("/") ? h.substring(0, h.length() - 1) : h), prefix,
                Map.copyOf(headers), tree.bool("http.relativeurls", false),
                // Distribution's default (0) drops in-flight pushes on SIGTERM; 25s fits Kubernetes' 30s grace period.
                tree.duration("http.draintimeout", Duration.ofSeconds(25)),
                debug, tree.bool("http.debug.prometheus.enabled", false), promPath, tls(tree),
                tree.bool("http.insecure", false), tree.bool("http.http2.disabled", false),
                tree.integer("http.eventloops", Runtime.getRuntime().availableProcessors(), 1, 1024),
                tree.bool("http.warmup.disabled", false), tree.bool("http.h2c.enabled", false));
    }

    private static Optional<TlsSettings> tls(ConfigTree tree) {
        Optional<String> cert = tree.string("http.tls.certificate");
        Optional<String> key = tree.string("http.tls.key");
        if (cert.isEmpty() && key.isEmpty()) {
            if (!tree.stringList("http.tls.clientcas").isEmpty()) {
                throw new ConfigException("http.tls.clientcas", "needs http.tls.certificate and http.tls.key");
            }
            return Optional.empty();
        }
        if (cert.isEmpty()) {
            throw new ConfigException("http.tls.certificate", "missing: http.tls.key is set without a certificate");
        }
        if (key.isEmpty()) {
            throw new ConfigException("http.tls.key", "missing: http.tls.certificate is set without a key");
        }
        Path certPath = readable("http.tls.certificate", cert.get());
        Path keyPath = readable("http.tls.key", key.get());
        List<Path> cas = new ArrayList<>();
        for (String ca : tree.stringList("http.tls.clientcas")) {
            cas.add(readable("http.tls.clientcas", ca));
        }
        TlsSettings.ClientAuth clientAuth = switch (tree.string("http.tls.clientauth", cas.isEmpty() ? "none" : "require")
                .toLowerCase(Locale.ROOT)) {
            case "none" -> TlsSettings.ClientAuth.NONE;
            case "verify-if-given", "verifyifgiven" -> TlsSettings.ClientAuth.VERIFY_IF_GIVEN;
            case "require" -> TlsSettings.ClientAuth.REQUIRE;
            default -> throw new ConfigException("http.tls.clientauth", "must be none, verify-if-given or require");
        };
        if (clientAuth != TlsSettings.ClientAuth.NONE && cas.isEmpty()) {
            throw new ConfigException("http.tls.clientauth", "needs at least one CA in http.tls.clientcas");
        }
        String min = tree.string("http.tls.minimumtls", "tls1.2").toLowerCase(Locale.ROOT);
        if (min.equals("tls1.0") || min.equals("tls1.1")) {
            throw new ConfigException("http.tls.minimumtls", "'" + min + "' is refused: TLS 1.0 and 1.1 are broken; use tls1.2 or tls1.3");
        }
        if (!min.equals("tls1.2") && !min.equals("tls1.3")) {
            throw new ConfigException("http.tls.minimumtls", "'" + min + "' is not tls1.2 or tls1.3");
        }
        return Optional.of(new TlsSettings(certPath, keyPath, List.copyOf(cas), clientAuth, min,
                tree.stringList("http.tls.ciphersuites")));
    }

    private static Path readable(String key, String file) {
        Path p = Path.of(file);
        if (!Files.isReadable(p) || Files.isDirectory(p)) {
            throw new ConfigException(key, "cannot read file " + file);
        }
        return p;
    }
}
