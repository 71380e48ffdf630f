package dev.portcullis.registry.nodeagent;

import dev.portcullis.registry.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads {@code registries.yaml}, the list the operator publishes for the node agent (a ConfigMap; client keys come
 * from a Secret mounted beside it and are named by path):
 *
 * <pre>
 * registries:
 *   - id: team-a/registry                # stable name, written into each managed folder
 *     hosts: [registry.team-a.svc:5000, registry.example.com]
 *     ca: |                              # PEM, inline: a CA is public
 *       -----BEGIN CERTIFICATE-----
 *     clientCertificate: /etc/portcullis/node-client/team-a-registry/tls.crt   # mutual TLS only
 *     clientKey: /etc/portcullis/node-client/team-a-registry/tls.key
 *     capabilities: [pull, resolve]      # default
 *     mirrors:                           # upstreams the registry caches: the node pulls them through it
 *       - name: docker.io                # certs.d/docker.io/hosts.toml names the registry as its mirror
 *         server: https://registry-1.docker.io   # where containerd falls back when the cache does not answer
 *     credentialProvider:                # pods pull with their own ServiceAccount token: the kubelet's provider
 *       audience: https://registry.example.com   # the token audience the kubelet requests (the issuer's)
 * </pre>
 */
public final class TrustSource {
    /** Host names, optionally with a port: nothing that could climb out of the certs.d folder. */
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
                    + "(?::([0-9]{1,5}))?");
    private static final List<String> CAPABILITIES = List.of("pull", "resolve", "push");

    private TrustSource() {}

    /**
     * The whole list, or a {@link ConfigException} when the file itself is unusable (not YAML, not a mapping with a
     * {@code registries} list): then the node keeps what it has. A malformed entry, or one naming a host an earlier
     * entry already lists, is skipped and reported; the others are returned.
     */
    public static TrustList read(Path file) throws IOException {
        String yaml = Files.readString(file, StandardCharsets.UTF_8);
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (YAMLException e) {
            throw new ConfigException(file + ": not valid YAML");
        }
        if (root == null) {
            return new TrustList(List.of(), List.of());
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("registries") == null || m.get("registries") instanceof List)) {
            throw new ConfigException(file + ": expected a mapping with a 'registries' list");
        }
        List<TrustedRegistry> out = new ArrayList<>();
        List<TrustList.Skipped> skipped = new ArrayList<>();
        Map<String, String> hostOwners = new HashMap<>();
        List<?> list = m.get("registries") == null ? List.of() : (List<?>) m.get("registries");
        for (int i = 0; i < list.size(); i++) {
            String key = "registries[" + i + "]";
            String id = list.get(i) instanceof Map<?, ?> e && e.get("id") != null
                    && !String.valueOf(e.get("id")).isBlank() ? String.valueOf(e.get("id")) : null;
            TrustedRegistry entry;
            try {
                entry = entry(list.get(i), key);
            } catch (ConfigException e) {
                skipped.add(new TrustList.Skipped(key, id, e.getMessage()));
                continue;
            }
            // Two entries writing one folder would take turns at it on every pass: the first one listed keeps it.
            String taken = entry.hosts().stream().filter(hostOwners::containsKey).findFirst().orElse(null);
            if (taken != null) {
                skipped.add(new TrustList.Skipped(key, id, "host '" + taken + "' is already listed by "
                        + hostOwners.get(taken)));
                continue;
            }
            if (out.stream().anyMatch(r -> r.id().equals(entry.id()))) {
                skipped.add(new TrustList.Skipped(key, null, "id '" + entry.id() + "' is listed twice"));
                continue;
            }
            entry.hosts().forEach(h -> hostOwners.put(h, entry.id()));
            // A second registry mirroring the same upstream loses only that mirror: its own trust still applies.
            List<MirroredUpstream> mirrors = new ArrayList<>();
            for (MirroredUpstream mirror : entry.mirrors()) {
                String owner = hostOwners.putIfAbsent(mirror.name(), entry.id());
                if (owner != null) {
                    skipped.add(new TrustList.Skipped(key + ".mirrors", null, "upstream '" + mirror.name()
                            + "' is already listed by " + owner));
                } else {
                    mirrors.add(mirror);
                }
            }
            out.add(new TrustedRegistry(entry.id(), entry.hosts(), entry.caPem(), entry.clientCertificate(),
                    entry.clientKey(), entry.capabilities(), List.copyOf(mirrors), entry.credentialProviderAudience()));
        }
        return new TrustList(out, skipped);
    }

    private static TrustedRegistry entry(Object item, String key) {
        if (!(item instanceof Map<?, ?> e)) {
            throw new ConfigException(key, "must be a mapping");
        }
        String id = string(e, "id", key);
        List<String> hosts = strings(e.get("hosts"), key + ".hosts");
        if (hosts.isEmpty()) {
            throw new ConfigException(key + ".hosts", "needs at least one host");
        }
        for (String h : hosts) {
            if (!isHost(h)) {
                throw new ConfigException(key + ".hosts", "'" + h + "' is not a host or host:port");
            }
        }
        if (hosts.stream().distinct().count() != hosts.size()) {
            throw new ConfigException(key + ".hosts", "lists a host twice");
        }
        String ca = string(e, "ca", key);
        if (!ca.contains("-----BEGIN CERTIFICATE-----")) {
            throw new ConfigException(key + ".ca", "must be a PEM certificate");
        }
        Optional<Path> cert = Optional.ofNullable(e.get("clientCertificate")).map(o -> Path.of(String.valueOf(o)));
        Optional<Path> clientKey = Optional.ofNullable(e.get("clientKey")).map(o -> Path.of(String.valueOf(o)));
        if (cert.isPresent() != clientKey.isPresent()) {
            throw new ConfigException(key, "clientCertificate and clientKey go together");
        }
        List<String> caps = e.get("capabilities") == null ? List.of("pull", "resolve")
                : strings(e.get("capabilities"), key + ".capabilities");
        for (String c : caps) {
            if (!CAPABILITIES.contains(c)) {
                throw new ConfigException(key + ".capabilities", "'" + c + "' is not pull, resolve or push");
            }
        }
        return new TrustedRegistry(id, hosts, ca, cert, clientKey, caps, mirrors(e.get("mirrors"), key + ".mirrors"),
                credentialProvider(e.get("credentialProvider"), key + ".credentialProvider"));
    }

    /** The token audience of {@code credentialProvider: {audience: ...}}; empty when the entry has none. */
    private static Optional<String> credentialProvider(Object v, String key) {
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ConfigException(key, "must be a mapping with an audience");
        }
        String audience = string(m, "audience", key);
        // Written into the kubelet's config as one quoted scalar: nothing that could end it.
        if (audience.chars().anyMatch(c -> c < 0x20 || c == '"' || c == '\\')) {
            throw new ConfigException(key + ".audience", "must be one line without quotes or backslashes");
        }
        return Optional.of(audience);
    }

    private static List<MirroredUpstream> mirrors(Object v, String key) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(key, "must be a list");
        }
        List<MirroredUpstream> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String itemKey = key + "[" + i + "]";
            if (!(l.get(i) instanceof Map<?, ?> m)) {
                throw new ConfigException(itemKey, "must be a mapping with name and server");
            }
            String name = string(m, "name", itemKey);
            // The name becomes a folder under certs.d: a host name only, nothing that could climb out of it.
            if (!isHost(name)) {
                throw new ConfigException(itemKey + ".name", "'" + name + "' is not a host or host:port");
            }
            String server = string(m, "server", itemKey);
            java.net.URI uri;
            try {
                uri = java.net.URI.create(server);
            } catch (IllegalArgumentException bad) {
                throw new ConfigException(itemKey + ".server", "'" + server + "' is not a URL");
            }
            if (!"https".equals(uri.getScheme()) || uri.getHost() == null
                    || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                    || server.contains("\"") || server.contains("\\")) {
                throw new ConfigException(itemKey + ".server", "'" + server + "' must be an https URL without a path");
            }
            if (out.stream().anyMatch(o -> o.name().equals(name))) {
                throw new ConfigException(itemKey + ".name", "'" + name + "' is listed twice");
            }
            out.add(new MirroredUpstream(name, server));
        }
        return out;
    }

    /** A DNS name (labels of letters, digits and inner hyphens) with an optional port up to 65535. */
    static boolean isHost(String h) {
        var matcher = HOST.matcher(h);
        if (!matcher.matches()) {
            return false;
        }
        String port = matcher.group(1);
        int nameLength = port == null ? h.length() : h.length() - port.length() - 1;
        return nameLength <= 253 && (port == null || Integer.parseInt(port) <= 65535);
    }

    private static String string(Map<?, ?> e, String field, String key) {
        Object v = e.get(field);
        if (v == null || String.valueOf(v).isBlank()) {
            throw new ConfigException(key + "." + field, "missing");
        }
        return String.valueOf(v);
    }

    private static List<String> strings(Object v, String key) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(key, "must be a list");
        }
        return l.stream().map(String::valueOf).toList();
    }
}
