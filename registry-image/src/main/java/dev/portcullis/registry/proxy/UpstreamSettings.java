package dev.portcullis.registry.proxy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One upstream registry the cache pulls through.
 *
 * @param name      what containerd sends as {@code ?ns=} for it (docker.io, ghcr.io...); also names it in logs and metrics
 * @param prefix    the local repository namespace its content is cached under ({@code docker.io} caches
 *                  {@code library/nginx} as {@code docker.io/library/nginx}); empty when the whole registry is its cache
 * @param tagTtl    how long a cached tag is served before it is re-validated upstream
 * @param expiry    cached content not pulled for this long is removed; zero keeps it forever
 * @param caFile    extra CA certificates to trust for the upstream's TLS, besides the JDK's
 */
public record UpstreamSettings(String name, URI remoteUrl, String prefix, Optional<Credentials> credentials,
                               Duration tagTtl, Duration expiry, Optional<Path> caFile) {

    /** Upstream credentials; {@link #toString()} never shows the password. */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + ", password=***]";
        }
    }

    /** The upstream's name for a local repository of this cache. */
    public String remoteRepository(String localRepository) {
        String remote = prefix.isEmpty() ? localRepository : localRepository.substring(prefix.length() + 1);
        // Docker Hub keeps official images under library/: docker.io/nginx is library/nginx there.
        if (isDockerHub() && !remote.contains("/")) {
            return "library/" + remote;
        }
        return remote;
    }

    /** The local repository that caches {@code remoteRepository}, as a containerd mirror request names it. */
    public String localRepository(String remoteRepository) {
        return prefix.isEmpty() ? remoteRepository : prefix + "/" + remoteRepository;
    }

    /** Whether {@code localRepository} is one of this cache's. */
    public boolean holds(String localRepository) {
        return prefix.isEmpty() || localRepository.startsWith(prefix + "/");
    }

    private boolean isDockerHub() {
        String host = remoteUrl.getHost();
        return host != null && (host.equals("registry-1.docker.io") || host.equals("docker.io")
                || host.equals("index.docker.io"));
    }
}
