package dev.portcullis.registry.nodeagent;

import dev.portcullis.registry.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * </pre>
 */
public final class TrustSource {
    /** Host names, optionally with a port: nothing that could climb out of the certs.d folder. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
    private static final List<String> CAPABILITIES = List.of("pull", "resolve", "push");

    private TrustSource() {}

    public static List<TrustedRegistry> read(Path file) throws IOException {
        String yaml = Files.readString(file, StandardCharsets.UTF_8);
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (YAMLException e) {
            throw new ConfigException(file + ": not valid YAML");
        }
        if (root == null) {
            return List.of();
        }
        if (!(root instanceof Map<?, ?> m) || !(m.get("registries") == null || m.get("registries") instanceof List)) {
            throw new ConfigException(file + ": expected a mapping with a 'registries' list");
        }
        List<TrustedRegistry> out = new ArrayList<>();
        List<?> list = m.get("registries") == null ? List.of() : (List<?>) m.get("registries");
        for (int i = 0; i < list.size(); i++) {
            String key = "registries[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> e)) {
                throw new ConfigException(key, "must be a mapping");
            }
            String id = string(e, "id", key);
            List<String> hosts = strings(e.get("hosts"), key + ".hosts");
            if (hosts.isEmpty()) {
                throw new ConfigException(key + ".hosts", "needs at least one host");
            }
            for (String h : hosts) {
                if (!HOST.matcher(h).matches()) {
                    throw new ConfigException(key + ".hosts", "'" + h + "' is not a host or host:port");
                }
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
            out.add(new TrustedRegistry(id, hosts, ca, cert, clientKey, caps));
        }
        return out;
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
