package dev.portcullis.registry.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes containerd's per-registry host configuration, {@code HOSTS_DIR/NAME/hosts.toml}, the file a cluster node
 * keeps at {@code /etc/containerd/certs.d/HOST:PORT/hosts.toml}; {@code ctr --hosts-dir HOSTS_DIR} and the CRI plugin's
 * {@code config_path} both read it through the same resolver code.
 *
 * <p>Quirks worth knowing (containerd 1.6.20, from its behaviour here and its resolver source):
 * <ul>
 * <li>the folder name is the registry name exactly as in the image reference, port included ({@code 127.0.0.1:5000};
 *     {@code 127.0.0.1_5000_} is also tried);</li>
 * <li>{@code [host."URL"]} entries are tried in order and {@code server} last, so a broken host entry can be silently
 *     covered by a working server; a URL without a path gets {@code /v2}; a {@code server} without a scheme is https;</li>
 * <li>relative {@code ca}/{@code client} paths are resolved against the hosts.toml folder; we write absolute ones;</li>
 * <li>a hosts.toml that fails to parse is only logged, and containerd falls back to Docker-style {@code *.crt},
 *     {@code *.cert}/{@code *.key} files in the same folder, so a typo shows up as a TLS or HTTP error, not a config
 *     error;</li>
 * <li>for a loopback name with no hosts.toml at all, ctr 1.6 falls back to plain HTTP by itself, so a plain-HTTP pull
 *     of 127.0.0.1 does not prove that hosts.toml was read (see {@link #writeAlias}); with TLS it does, since only
 *     hosts.toml supplies the CA and client certificate.</li>
 * </ul>
 */
public final class HostsToml {
    private HostsToml() {}

    /** Writes {@code hostsDir/HOST:PORT/hosts.toml} for {@code target}; returns {@code hostsDir}. */
    public static Path write(Path hostsDir, RegistryTarget target, boolean skipVerify) {
        return writeAlias(hostsDir, target.hostPort(), target, skipVerify);
    }

    /**
     * Writes {@code hostsDir/NAME/hosts.toml} sending pulls of {@code NAME/...} to {@code target}. A pull of a name
     * that resolves nowhere succeeds only if containerd really read this file. Requests to such a host carry
     * {@code ?ns=NAME} (containerd's mirror convention), so this also checks that the registry ignores that parameter.
     */
    public static Path writeAlias(Path hostsDir, String name, RegistryTarget target, boolean skipVerify) {
        StringBuilder toml = new StringBuilder();
        toml.append("server = ").append(q(target.url())).append("\n\n");
        toml.append("[host.").append(q(target.url())).append("]\n");
        toml.append("  capabilities = [\"pull\", \"resolve\"]\n");
        if (target.caCert() != null) {
            toml.append("  ca = ").append(q(target.caCert().toAbsolutePath().toString())).append('\n');
        }
        if (target.clientCert() != null) {
            toml.append("  client = [[").append(q(target.clientCert().toAbsolutePath().toString())).append(", ")
                    .append(q(target.clientKey().toAbsolutePath().toString())).append("]]\n");
        }
        if (skipVerify) {
            toml.append("  skip_verify = true\n");
        }
        try {
            Path dir = Files.createDirectories(hostsDir.resolve(name));
            Files.writeString(dir.resolve("hosts.toml"), toml.toString());
            return hostsDir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TOML basic string. */
    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
