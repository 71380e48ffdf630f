package dev.portcullis.registry.nodeagent;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One registry the node must trust: the names it is reached by ({@code host} or {@code host:port}), its CA, and, in
 * mutual-TLS mode, the client certificate and key the node presents; and the upstreams it caches, for which the node
 * uses it as a pull mirror; and, when pods pull from it with their own ServiceAccount token, the audience the kubelet
 * requests that token for (the node then gets the registry's image credential provider).
 */
public record TrustedRegistry(String id, List<String> hosts, String caPem, Optional<Path> clientCertificate,
                              Optional<Path> clientKey, List<String> capabilities, List<MirroredUpstream> mirrors,
                              Optional<String> credentialProviderAudience) {
}
