package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.KidFormat;
import dev.portcullis.registry.config.LogSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The auth-server's configuration: docker_auth's format wherever docker_auth has the feature ({@code server},
 * {@code token}, {@code users}, {@code acl}, and the backend sections {@link BackendSections} knows, such as
 * {@code ldap_auth}, {@code mongo_auth}, {@code acl_mongo}, {@code ext_auth}, {@code ext_authz}), plus Portcullis extensions ({@code log}, {@code metrics}, ...; see docs/token-issuer.md). Parsing checks everything that can be
 * checked without touching files, and names the key of every mistake, unknown keys first (with the key meant, when
 * one is close). Unknown keys are errors: a typo silently ignored in an access-control file is a hole.
 */
public record AuthServerConfig(Server server, Token token, Map<String, String> users, Path usersFile,
                               List<AclRule> acl, Kubernetes kubernetes, Throttle throttle,
                               List<BackendSettings> backends, LogSettings log, Metrics metrics,
                               Map<String, Map<String, List<String>>> userLabels) {

    /** {@code addr} is docker_auth's ":5001" / "127.0.0.1:5001" / "[::1]:5001"; port 0 picks a free one. */
    /** {@code idleTimeout}: a connection that sends nothing for this long is closed (a stalled request body too). */
    public record Server(String host, int port, Path certificate, Path key, boolean insecureHttp, Duration reloadInterval,
                         Duration idleTimeout) {
        public boolean tls() {
            return certificate != null;
        }
    }

    /**
     * {@code service}: null accepts any {@code service} a client asks for and puts it in the token's {@code aud}, as
     * docker_auth does (the registry then rejects tokens minted for another service name).
     */
    public record Token(String issuer, String service, Duration expiration, Path certificate, Path key,
                        KidFormat kidFormat, boolean x5c, List<Path> trustedCertificates, Duration refreshExpiration) {
    }

    public record Kubernetes(boolean enabled, List<String> audiences, List<String> namespaces) {
    }

    /** (+) {@code addr}: a plain-HTTP listener serving {@code /metrics} (Prometheus); null when not configured. */
    public record Metrics(String host, int port) {
    }

    /** {@code maxFailures} per (account, address); {@code maxAccountFailures} per account from all addresses. */
    public record Throttle(int maxFailures, int maxAccountFailures, Duration window, Duration lockout) {
    }

    /** docker_auth {@code server} keys for features we lack: refused by name rather than as a typo. */
    private static final List<String> DOCKER_AUTH_SERVER_KEYS_NOT_SUPPORTED = List.of("net", "path_prefix",
            "real_ip_header", "real_ip_pos", "letsencrypt", "hsts", "tls_min_version", "tls_curve_preferences",
            "tls_cipher_suites");

    private static final Set<String> TOP = Set.of("server", "token", "users", "users_file", "acl", "kubernetes", "throttle",
            "log", "metrics");

    /** The keys of each of our own sections that is a plain mapping. */
    private static final Map<String, Set<String>> SECTION_KEYS = Map.of(
            "server", Set.of("addr", "certificate", "key", "insecure_http", "reload_interval", "idle_timeout"),
            "token", Set.of("issuer", "service", "expiration", "certificate", "key", "kidformat", "x5c",
                    "trusted_certificates", "refresh_expiration"),
            "log", Set.of("level", "formatter", "fields"),
            "metrics", Set.of("addr"),
            "kubernetes", Set.of("enabled", "audiences", "namespaces"),
            "throttle", Set.of("max_failures", "max_account_failures", "window", "lockout"));

    public static AuthServerConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read the configuration file: " + e.getMessage());
        }
        return parse(text, file.toAbsolutePath().getParent());
    }

    /**
     * Parses YAML text; relative paths are resolved against {@code baseDir}. Every section is read even when another
     * has a mistake, and all mistakes are thrown together, unknown keys first.
     */
    public static AuthServerConfig parse(String yaml, Path baseDir) throws ConfigException {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (RuntimeException e) {
            throw new ConfigException("(file)", "not valid YAML: " + LogText.firstLine(e.getMessage()));
        }
        Map<String, Object> top = map(root, "(top level)");
        ConfigProblems problems = new ConfigProblems();
        unknownKeys(top, problems);
        List<BackendSettings> backends = backends(top, baseDir, problems);
        Server server = problems.read(() -> server(map(top.get("server"), "server"), baseDir));
        Token token = problems.read(() -> token(map(top.get("token"), "token"), server, baseDir));
        Map<String, String> users = problems.read(() -> top.get("users") == null ? Map.of()
                : UsersFile.parseMapping(map(top.get("users"), "users"), "users"));
        Map<String, Map<String, List<String>>> userLabels = problems.read(() -> top.get("users") == null ? Map.of()
                : UsersFile.labelsOf(map(top.get("users"), "users"), "users"));
        Optional<Path> usersFile = problems.read(() -> Optional.ofNullable(path(top.get("users_file"), "users_file", baseDir)));
        List<AclRule> acl = problems.read(() -> acl(top.get("acl")));
        Kubernetes kubernetes = problems.read(() -> kubernetes(map(top.get("kubernetes"), "kubernetes")));
        Throttle throttle = problems.read(() -> throttle(map(top.get("throttle"), "throttle")));
        LogSettings log = problems.read(() -> log(map(top.get("log"), "log")));
        Optional<Metrics> metrics = problems.read(() -> Optional.ofNullable(metrics(map(top.get("metrics"), "metrics"))));
        // Only when every way to log in was read: a section with a mistake may well be the one meant to authenticate.
        if (users != null && usersFile != null && kubernetes != null && backends != null) {
            boolean otherLogins = backends.stream().anyMatch(b -> b instanceof BackendSettings.Login || b instanceof BackendSettings.SignedToken);
            if (users.isEmpty() && usersFile.isEmpty() && !kubernetes.enabled() && !otherLogins) {
                problems.add(new ConfigException("users", "no authentication configured: set users, users_file, ldap_auth, "
                        + "mongo_auth, ext_auth or kubernetes.enabled (users: {\"\": {}} allows anonymous requests)"));
            }
        }
        problems.throwIfAny();
        return new AuthServerConfig(server, token, users, usersFile.orElse(null), acl, kubernetes, throttle,
                List.copyOf(backends), log, metrics.orElse(null), Map.copyOf(userLabels));
    }

    /** The keys of our own sections, checked before any section is read so that a typo comes before what it causes. */
    private static void unknownKeys(Map<String, Object> top, ConfigProblems problems) {
        for (String k : top.keySet()) {
            if (!TOP.contains(k) && !BackendSections.isBackendSection(k)) {
                problems.add(ConfigException.unknownKey(k, TOP));
            }
        }
        for (Map.Entry<String, Object> section : top.entrySet()) {
            Set<String> known = SECTION_KEYS.get(section.getKey());
            if (known != null && section.getValue() instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    String name = k == null ? "" : String.valueOf(k);
                    boolean refusedByName = section.getKey().equals("server") && DOCKER_AUTH_SERVER_KEYS_NOT_SUPPORTED.contains(name);
                    if (!known.contains(name) && !refusedByName) {
                        problems.add(ConfigException.unknownKey(section.getKey() + "." + name, known));
                    }
                }
            }
        }
    }

    /** {@link BackendSections} stops at its first mistake; then each section is read alone for its own. */
    private static List<BackendSettings> backends(Map<String, Object> top, Path baseDir, ConfigProblems problems) {
        try {
            return BackendSections.parse(top, baseDir);
        } catch (ConfigException first) {
            boolean found = false;
            for (String k : top.keySet()) {
                if (BackendSections.isBackendSection(k)) {
                    try {
                        BackendSections.parse(java.util.Collections.singletonMap(k, top.get(k)), baseDir);
                    } catch (ConfigException e) {
                        problems.add(e);
                        found = true;
                    }
                }
            }
            if (!found) {
                problems.add(first);
            }
            return null;
        }
    }

    private static Server server(Map<String, Object> m, Path base) throws ConfigException {
        for (String k : DOCKER_AUTH_SERVER_KEYS_NOT_SUPPORTED) {
            if (m.containsKey(k)) {
                throw new ConfigException("server." + k, "docker_auth's server." + k + " is not supported by Portcullis's "
                        + "auth-server (see docs/token-issuer.md)");
            }
        }
        HostPort hp = hostPort(string(m.get("addr"), "server.addr", ":5001"), "server.addr");
        String host = hp.host();
        int port = hp.port();
        Path cert = path(m.get("certificate"), "server.certificate", base);
        Path key = path(m.get("key"), "server.key", base);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? "server.certificate" : "server.key", "certificate and key go together");
        }
        boolean insecure = bool(m.get("insecure_http"), "server.insecure_http", false);
        if (cert == null && !insecure && !loopback(host)) {
            throw new ConfigException("server.certificate", "required: plain HTTP is only served on a loopback address "
                    + "(set server.insecure_http: true to serve it on " + host + " anyway)");
        }
        Duration reload = duration(m.get("reload_interval"), "server.reload_interval", Duration.ofSeconds(2));
        Duration idle = duration(m.get("idle_timeout"), "server.idle_timeout", Duration.ofSeconds(30));
        if (idle.isZero() || idle.isNegative()) {
            throw new ConfigException("server.idle_timeout", "must be longer than zero");
        }
        return new Server(host, port, cert, key, insecure, reload, idle);
    }

    private static Token token(Map<String, Object> m, Server server, Path base) throws ConfigException {
        String issuer = required(m, "issuer", "token.issuer");
        String service = string(m.get("service"), "token.service", null);
        if (service != null && service.isBlank()) {
            throw new ConfigException("token.service", "must not be empty (leave it out to accept any service, as docker_auth)");
        }
        Duration exp = duration(m.get("expiration"), "token.expiration", Duration.ofSeconds(900));
        if (exp.compareTo(Duration.ofSeconds(60)) < 0) {
            throw new ConfigException("token.expiration", "must be at least 60 seconds (clients treat shorter as 60)");
        }
        Path cert = path(m.get("certificate"), "token.certificate", base);
        Path key = path(m.get("key"), "token.key", base);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? "token.certificate" : "token.key", "certificate and key go together");
        }
        // Without a server (its section has a mistake, reported) there is no certificate to fall back on.
        if (cert == null && server != null) {
            if (!server.tls()) {
                throw new ConfigException("token.certificate", "required (there is no server.certificate to sign with instead)");
            }
            cert = server.certificate();
            key = server.key();
        }
        KidFormat kid;
        try {
            kid = KidFormat.parse(string(m.get("kidformat"), "token.kidformat", "libtrust"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("token.kidformat", e.getMessage());
        }
        boolean x5c = bool(m.get("x5c"), "token.x5c", true);
        List<Path> trusted = new ArrayList<>();
        for (String s : strings(m.get("trusted_certificates"), "token.trusted_certificates")) {
            trusted.add(base == null ? Path.of(s) : base.resolve(s));
        }
        Duration refresh = duration(m.get("refresh_expiration"), "token.refresh_expiration", Duration.ofDays(7));
        return new Token(issuer, service, exp, cert, key, kid, x5c, trusted, refresh);
    }

    private static List<AclRule> acl(Object o) throws ConfigException {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> list)) {
            throw new ConfigException("acl", "must be a list of {match: {...}, actions: [...]}");
        }
        List<AclRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "acl[" + i + "]";
            rules.add(AclEntries.parse(new ConfigSection(at, list.get(i), null), Set.of()));
        }
        return rules;
    }

    private static LogSettings log(Map<String, Object> m) throws ConfigException {
        String level = string(m.get("level"), "log.level", "info").toLowerCase(java.util.Locale.ROOT);
        if (!Set.of("error", "warn", "info", "debug").contains(level)) {
            throw new ConfigException("log.level", "'" + level + "' is not one of error, warn, info, debug");
        }
        String formatter = string(m.get("formatter"), "log.formatter", "text").toLowerCase(java.util.Locale.ROOT);
        if (!Set.of("text", "json", "logstash").contains(formatter)) {
            throw new ConfigException("log.formatter", "'" + formatter + "' is not one of text, json, logstash");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        map(m.get("fields"), "log.fields").forEach((k, v) -> fields.put(k, String.valueOf(v)));
        return new LogSettings(level, formatter, Map.copyOf(fields), false);
    }

    private static Metrics metrics(Map<String, Object> m) throws ConfigException {
        String addr = string(m.get("addr"), "metrics.addr", null);
        if (addr == null) {
            return null;
        }
        HostPort hp = hostPort(addr, "metrics.addr");
        return new Metrics(hp.host(), hp.port());
    }

    private record HostPort(String host, int port) {
    }

    private static HostPort hostPort(String addr, String key) throws ConfigException {
        int colon = addr.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException(key, "must be HOST:PORT or :PORT, not '" + addr + "'");
        }
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(key, "bad port in '" + addr + "'");
        }
        return new HostPort(host, port);
    }

    private static Kubernetes kubernetes(Map<String, Object> m) throws ConfigException {
        return new Kubernetes(bool(m.get("enabled"), "kubernetes.enabled", false),
                strings(m.get("audiences"), "kubernetes.audiences"), strings(m.get("namespaces"), "kubernetes.namespaces"));
    }

    private static Throttle throttle(Map<String, Object> m) throws ConfigException {
        Object mf = m.getOrDefault("max_failures", 5);
        if (!(mf instanceof Integer n) || n < 0) {
            throw new ConfigException("throttle.max_failures", "must be a whole number >= 0 (0 disables throttling)");
        }
        // Ten times the pair's budget: a guesser from one address cannot lock the account out on its own.
        Object maf = m.getOrDefault("max_account_failures", 10 * n);
        if (!(maf instanceof Integer accountMax) || accountMax < n) {
            throw new ConfigException("throttle.max_account_failures",
                    "must be a whole number >= throttle.max_failures (" + n + ")");
        }
        return new Throttle(n, accountMax, duration(m.get("window"), "throttle.window", Duration.ofMinutes(1)),
                duration(m.get("lockout"), "throttle.lockout", Duration.ofMinutes(1)));
    }

    // ---- small typed readers, each naming the key it reads ----

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String key) throws ConfigException {
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

    private static String required(Map<String, Object> m, String k, String key) throws ConfigException {
        String s = string(m.get(k), key, null);
        if (s == null || s.isBlank()) {
            throw new ConfigException(key, "required");
        }
        return s;
    }

    private static String string(Object o, String key, String dflt) throws ConfigException {
        if (o == null) {
            return dflt;
        }
        if (o instanceof String || o instanceof Number) {
            return String.valueOf(o);
        }
        throw new ConfigException(key, "must be a string");
    }

    private static boolean bool(Object o, String key, boolean dflt) throws ConfigException {
        if (o == null) {
            return dflt;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(key, "must be true or false");
    }

    private static Duration duration(Object o, String key, Duration dflt) throws ConfigException {
        if (o == null) {
            return dflt;
        }
        try {
            return Durations.parse(o);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }

    private static Path path(Object o, String key, Path base) throws ConfigException {
        String s = string(o, key, null);
        if (s == null || s.isBlank()) {
            return null;
        }
        return base == null ? Path.of(s) : base.resolve(s);
    }

    private static List<String> strings(Object o, String key) throws ConfigException {
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

    private static boolean loopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            // Only literal addresses: resolving a name here would ask DNS at start-up.
            if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                return false;
            }
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
