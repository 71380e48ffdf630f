package dev.portcullis.registry.proxy;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import dev.portcullis.registry.config.GoDuration;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code proxy} section. Distribution's form ({@code remoteurl}, {@code username}, {@code password}, {@code ttl})
 * makes the whole registry a cache of one upstream; our {@code upstreams} list caches several, each under its own
 * prefix, next to the registry's own hosted repositories. Every key is checked: a typo here would silently turn a
 * mirror into an empty registry.
 *
 * @param wholeRegistry true for Distribution's form: every repository is the one upstream's, nothing is hosted
 */
public record ProxySettings(List<UpstreamSettings> upstreams, boolean wholeRegistry) {
    /** Distribution's default for {@code proxy.ttl}: content not pulled for a week expires. */
    static final Duration DEFAULT_EXPIRY = Duration.ofHours(168);
    static final Duration DEFAULT_TAG_TTL = Duration.ofMinutes(5);

    private static final Set<String> SECTION_KEYS = Set.of("remoteurl", "username", "usernamefile", "password",
            "passwordfile", "ttl", "tagttl", "cafile", "upstreams", "name");
    private static final Set<String> UPSTREAM_KEYS = Set.of("name", "remoteurl", "username", "usernamefile", "password",
            "passwordfile", "ttl", "tagttl", "prefix", "cafile");

    public static Optional<ProxySettings> from(ConfigTree tree) {
        if (!tree.has("proxy")) {
            return Optional.empty();
        }
        Map<String, Object> section = tree.map("proxy");
        for (String key : section.keySet()) {
            if (!SECTION_KEYS.contains(key.toLowerCase(Locale.ROOT))) {
                throw new ConfigException("proxy." + key, "unknown key; the proxy section knows "
                        + String.join(", ", sorted(SECTION_KEYS)));
            }
        }
        Optional<Object> list = tree.get("proxy.upstreams");
        boolean single = tree.has("proxy.remoteurl");
        if (single && list.isPresent()) {
            throw new ConfigException("proxy.upstreams", "give either proxy.remoteurl (one upstream for the whole registry)"
                    + " or proxy.upstreams (several, each under a prefix), not both");
        }
        if (single) {
            Map<String, Object> entry = new LinkedHashMap<>(section);
            entry.remove("upstreams");
            UpstreamSettings u = upstream(entry, "proxy", true);
            return Optional.of(new ProxySettings(List.of(u), true));
        }
        if (list.isEmpty()) {
            throw new ConfigException("proxy.remoteurl", "missing: the proxy section needs remoteurl or upstreams");
        }
        for (String key : List.of("username", "usernamefile", "password", "passwordfile", "name")) {
            if (section.containsKey(key)) {
                throw new ConfigException("proxy." + key, "belongs to an entry of proxy.upstreams when upstreams is used");
            }
        }
        if (!(list.get() instanceof List<?> entries) || entries.isEmpty()
                || entries.stream().anyMatch(e -> !(e instanceof Map))) {
            throw new ConfigException("proxy.upstreams", "must be a non-empty list of mappings (name, remoteurl, ...)");
        }
        List<UpstreamSettings> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) entries.get(i));
            // The section's ttl, tagttl and cafile are defaults for every upstream.
            for (String inherited : List.of("ttl", "tagttl", "cafile")) {
                if (!entry.containsKey(inherited) && section.containsKey(inherited)) {
                    entry.put(inherited, section.get(inherited));
                }
            }
            UpstreamSettings u = upstream(entry, "proxy.upstreams[" + i + "]", false);
            if (!names.add(u.name())) {
                throw new ConfigException("proxy.upstreams[" + i + "].name", "'" + u.name() + "' is used twice");
            }
            out.add(u);
        }
        for (UpstreamSettings a : out) {
            for (UpstreamSettings b : out) {
                if (a != b && (a.prefix() + "/").startsWith(b.prefix() + "/")) {
                    throw new ConfigException("proxy.upstreams", "prefix '" + a.prefix() + "' of " + a.name()
                            + " lies inside prefix '" + b.prefix() + "' of " + b.name());
                }
            }
        }
        return Optional.of(new ProxySettings(List.copyOf(out), false));
    }

    private static UpstreamSettings upstream(Map<String, Object> e, String key, boolean single) {
        Set<String> allowed = single ? SECTION_KEYS : UPSTREAM_KEYS;
        for (String k : e.keySet()) {
            if (!allowed.contains(k.toLowerCase(Locale.ROOT))) {
                throw new ConfigException(key + "." + k, "unknown key; an upstream knows " + String.join(", ", sorted(UPSTREAM_KEYS)));
            }
        }
        String url = text(e, "remoteurl").orElseThrow(() -> new ConfigException(key + ".remoteurl", "missing"));
        URI remote;
        try {
            remote = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException bad) {
            throw new ConfigException(key + ".remoteurl", "'" + url + "' is not a URL");
        }
        if (remote.getScheme() == null || !Set.of("http", "https").contains(remote.getScheme().toLowerCase(Locale.ROOT))
                || remote.getHost() == null) {
            throw new ConfigException(key + ".remoteurl", "'" + url + "' must be an http(s) URL such as https://registry-1.docker.io");
        }
        if (remote.getRawPath() != null && !remote.getRawPath().isEmpty()) {
            throw new ConfigException(key + ".remoteurl", "'" + url + "' must not have a path: the cache adds /v2/ itself");
        }
        String name = text(e, "name").orElse(single ? remote.getHost() : null);
        if (name == null) {
            throw new ConfigException(key + ".name", "missing: the registry name containerd sends as ?ns=, such as docker.io");
        }
        String prefix = single ? "" : text(e, "prefix").orElse(name);
        if (!single && (prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//") || prefix.isBlank())) {
            throw new ConfigException(key + ".prefix", "'" + prefix + "' must be a repository path without leading or trailing /");
        }
        Optional<String> username = text(e, "username");
        Optional<String> usernameFile = text(e, "usernamefile");
        if (username.isPresent() && usernameFile.isPresent()) {
            throw new ConfigException(key + ".usernamefile", "give username or usernamefile, not both");
        }
        // A file so that both halves of the credentials can come from one mounted Secret (the operator's way).
        if (usernameFile.isPresent()) {
            username = Optional.of(readSecret(key + ".usernamefile", usernameFile.get()));
        }
        Optional<String> password = text(e, "password");
        Optional<String> passwordFile = text(e, "passwordfile");
        if (password.isPresent() && passwordFile.isPresent()) {
            throw new ConfigException(key + ".passwordfile", "give password or passwordfile, not both");
        }
        if (passwordFile.isPresent()) {
            password = Optional.of(readSecret(key + ".passwordfile", passwordFile.get()));
        }
        if (username.isPresent() != password.isPresent()) {
            throw new ConfigException(key + (username.isPresent() ? ".password" : ".username"),
                    "missing: upstream credentials need both username and password (or passwordfile)");
        }
        String secret = password.orElse(null);
        Optional<UpstreamSettings.Credentials> credentials = username.map(u -> new UpstreamSettings.Credentials(u, secret));
        Duration expiry = duration(e, "ttl", key, DEFAULT_EXPIRY);
        Duration tagTtl = duration(e, "tagttl", key, DEFAULT_TAG_TTL);
        if (expiry.isNegative() || tagTtl.isNegative()) {
            throw new ConfigException(key + (expiry.isNegative() ? ".ttl" : ".tagttl"), "must not be negative");
        }
        Optional<Path> ca = text(e, "cafile").map(Path::of);
        ca.ifPresent(p -> {
            if (!Files.isReadable(p) || Files.isDirectory(p)) {
                throw new ConfigException(key + ".cafile", "cannot read file " + p);
            }
        });
        return new UpstreamSettings(name, remote, prefix, credentials, tagTtl, expiry, ca);
    }

    /** A secret from a file (a mounted Secret): trailing newlines are the editor's, not the password's. */
    private static String readSecret(String key, String file) {
        try {
            String s = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw new ConfigException(key, file + " is empty");
            }
            return s;
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Optional<String> text(Map<String, Object> e, String field) {
        Object v = e.get(field);
        if (v instanceof Map || v instanceof List) {
            throw new ConfigException(field, "must be a single value");
        }
        return v == null || String.valueOf(v).isEmpty() ? Optional.empty() : Optional.of(String.valueOf(v));
    }

    private static Duration duration(Map<String, Object> e, String field, String key, Duration fallback) {
        Object v = e.get(field);
        if (v == null || String.valueOf(v).isEmpty()) {
            return fallback;
        }
        String s = String.valueOf(v).trim();
        // Distribution writes 0 for "never expire", which is not a Go duration.
        return s.equals("0") ? Duration.ZERO : GoDuration.parse(key + "." + field, s);
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }

    /** The upstream and remote repository a request for {@code repository} goes to; empty for a hosted repository. */
    public Optional<CacheTarget> resolve(String repository, String ns) {
        if (wholeRegistry) {
            UpstreamSettings u = upstreams.get(0);
            return Optional.of(new CacheTarget(u, repository, u.remoteRepository(repository)));
        }
        if (ns != null) {
            for (UpstreamSettings u : upstreams) {
                if (u.name().equalsIgnoreCase(ns)) {
                    String local = u.localRepository(repository);
                    return Optional.of(new CacheTarget(u, local, u.remoteRepository(local)));
                }
            }
        }
        for (UpstreamSettings u : upstreams) {
            if (u.holds(repository)) {
                return Optional.of(new CacheTarget(u, repository, u.remoteRepository(repository)));
            }
        }
        return Optional.empty();
    }

    /** Whether a stored repository is a cache's (so its content expires), rather than hosted. */
    public Optional<UpstreamSettings> owner(String repository) {
        for (UpstreamSettings u : upstreams) {
            if (u.holds(repository)) {
                return Optional.of(u);
            }
        }
        return Optional.empty();
    }
}
