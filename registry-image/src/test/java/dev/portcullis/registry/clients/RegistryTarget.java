package dev.portcullis.registry.clients;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * How clients reach the registry under test, described once and translated into each client's own options:
 * skopeo's --tls-verify/--cert-dir/--creds and containerd's hosts.toml/--user.
 *
 * @param hostPort    {@code 127.0.0.1:PORT}, as it appears in image references
 * @param scheme      {@code http} or {@code https}
 * @param credentials present when the registry requires a login
 * @param skopeoCertDir a folder in skopeo's layout ({@code ca.crt}, and {@code client.cert}/{@code client.key} for
 *                    mutual TLS); null for plain HTTP
 * @param caCert      the server's CA in PEM, for hosts.toml {@code ca}; null when the system roots (or plain HTTP) do
 * @param clientCert  client certificate for mutual TLS, for hosts.toml {@code client}; null when not needed
 * @param clientKey   its key; null when {@code clientCert} is
 */
public record RegistryTarget(String hostPort, String scheme, Optional<Credentials> credentials,
                             Path skopeoCertDir, Path caCert, Path clientCert, Path clientKey) {
    public RegistryTarget {
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("scheme must be http or https: " + scheme);
        }
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("client certificate and key go together");
        }
    }

    /** A plain-HTTP registry without login, like Distribution's {@code startPlain}. */
    public static RegistryTarget plainHttp(String hostPort) {
        return new RegistryTarget(hostPort, "http", Optional.empty(), null, null, null, null);
    }

    public RegistryTarget withCredentials(Credentials c) {
        return new RegistryTarget(hostPort, scheme, Optional.of(c), skopeoCertDir, caCert, clientCert, clientKey);
    }

    public boolean tls() {
        return scheme.equals("https");
    }

    public String url() {
        return scheme + "://" + hostPort;
    }

    /** {@code HOST:PORT/repository:tag} or {@code HOST:PORT/repository@sha256:...}. */
    public String ref(String repositoryAndTagOrDigest) {
        return hostPort + "/" + repositoryAndTagOrDigest;
    }

    public Set<String> secrets() {
        return credentials.map(Credentials::secrets).orElse(Set.of());
    }
}
