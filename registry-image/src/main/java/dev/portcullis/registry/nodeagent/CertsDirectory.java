package dev.portcullis.registry.nodeagent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A node's {@code certs.d} folder ({@code /etc/containerd/certs.d}, or Docker's {@code /etc/docker/certs.d}) brought to
 * match a list of registries. Every write is a temporary file renamed into place, so containerd, which reads these
 * files on each pull without a restart, never sees half a file. Folders the agent did not create (no marker) are
 * never touched; the ones it created for a registry that left the list are removed.
 */
public final class CertsDirectory {
    static final String MARKER = ".portcullis-managed";
    private static final Logger LOG = Logger.getLogger(CertsDirectory.class.getName());

    public enum Layout { CONTAINERD, DOCKER }

    private final Path root;
    private final Layout layout;

    public CertsDirectory(Path root, Layout layout) {
        this.root = root;
        this.layout = layout;
    }

    /** Returns what changed, for the log; an empty list when the node already matched. */
    public List<String> reconcile(List<TrustedRegistry> registries) throws IOException {
        return reconcile(registries, Set.of());
    }

    /**
     * The same, keeping the folders written for the registries {@code kept} (entries skipped this pass): a registry
     * whose entry turned malformed keeps what the node had for it, rather than losing its trust.
     */
    public List<String> reconcile(List<TrustedRegistry> registries, Set<String> kept) throws IOException {
        Files.createDirectories(root);
        List<String> changes = new ArrayList<>();
        Set<String> wanted = new HashSet<>();
        for (TrustedRegistry r : registries) {
            for (String host : r.hosts()) {
                wanted.add(host);
                writeFolder(root.resolve(host), r, layout == Layout.CONTAINERD ? hostsToml(host, r) : null, changes);
            }
            // Docker has no per-registry mirror file (its mirrors are daemon.json's, for Docker Hub only).
            if (layout == Layout.CONTAINERD) {
                for (MirroredUpstream mirror : r.mirrors()) {
                    wanted.add(mirror.name());
                    writeFolder(root.resolve(mirror.name()), r, mirrorHostsToml(mirror, r), changes);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path dir : ds) {
                Path marker = dir.resolve(MARKER);
                if (Files.exists(marker) && !wanted.contains(dir.getFileName().toString())
                        && !kept.contains(Files.readString(marker).strip())) {
                    HostFiles.deleteTree(dir);
                    changes.add("removed " + dir);
                }
            }
        }
        return changes;
    }

    /**
     * One managed folder: the marker, the CA, the client pair in mutual TLS, and {@code hostsToml} when not null. A
     * folder that exists without the marker is someone else's (a node image's own mirror configuration, say): it is
     * left exactly as it is.
     */
    private void writeFolder(Path dir, TrustedRegistry r, String hostsToml, List<String> changes) throws IOException {
        if (Files.isDirectory(dir) && !Files.exists(dir.resolve(MARKER))) {
            LOG.warning(dir + " exists and is not managed by Portcullis; left as it is");
            return;
        }
        Files.createDirectories(dir);
        boolean changed = write(dir.resolve(MARKER), r.id() + "\n", false);
        changed |= write(dir.resolve("ca.crt"), r.caPem(), false);
        if (r.clientCertificate().isPresent()) {
            String certName = layout == Layout.DOCKER ? "client.cert" : "client.crt";
            changed |= write(dir.resolve(certName), Files.readString(r.clientCertificate().get()), false);
            changed |= write(dir.resolve("client.key"), Files.readString(r.clientKey().get()), true);
        } else {
            changed |= deleteIfExists(dir.resolve("client.crt"), dir.resolve("client.cert"), dir.resolve("client.key"));
        }
        if (hostsToml != null) {
            changed |= write(dir.resolve("hosts.toml"), hostsToml, false);
        }
        if (changed) {
            changes.add("wrote " + dir + " for " + r.id());
        }
    }

    /**
     * containerd's hosts.toml for an upstream the registry caches: every name of the registry as a pull/resolve
     * mirror, tried in order, then {@code server}, the upstream itself, when none answers, so a cache that is down
     * slows pulls but never stops them. The CA and client pair are the registry's and apply to the mirror hosts only
     * (containerd trusts the upstream with the system's CAs). containerd adds {@code ?ns=<upstream>} to each mirror
     * request, which is how the registry knows which upstream a name is from.
     */
    static String mirrorHostsToml(MirroredUpstream mirror, TrustedRegistry r) {
        StringBuilder sb = new StringBuilder()
                .append("# Written by the Portcullis node agent for ").append(r.id())
                .append(" (pull-through cache of ").append(mirror.name()).append("); do not edit.\n")
                .append("server = \"").append(mirror.server()).append("\"\n");
        for (String host : mirrorOrder(r.hosts())) {
            sb.append("\n[host.\"https://").append(host).append("\"]\n")
                    .append("  capabilities = [\"pull\", \"resolve\"]\n")
                    .append("  ca = \"ca.crt\"\n");
            if (r.clientCertificate().isPresent()) {
                sb.append("  client = [[\"client.crt\", \"client.key\"]]\n");
            }
        }
        return sb.toString();
    }

    /**
     * The registry's names in the order a node should try them: {@code localhost:<nodePort>} first (always reachable
     * from the node), then the names given by the user, the cluster-DNS names last (nodes rarely resolve them).
     */
    static List<String> mirrorOrder(List<String> hosts) {
        List<String> ordered = new ArrayList<>();
        hosts.stream().filter(h -> h.startsWith("localhost:")).forEach(ordered::add);
        hosts.stream().filter(h -> !h.startsWith("localhost:") && !clusterDns(h)).forEach(ordered::add);
        hosts.stream().filter(h -> !h.startsWith("localhost:") && clusterDns(h)).forEach(ordered::add);
        return ordered;
    }

    private static boolean clusterDns(String host) {
        return host.contains(".svc:") || host.contains(".svc.cluster.local");
    }

    /**
     * containerd's hosts.toml. The paths are relative: containerd resolves them against the folder holding hosts.toml,
     * which is the only path both sides agree on. The agent sees the node's certs.d at its mount point
     * ({@code /host/etc/containerd/certs.d}), containerd at {@code /etc/containerd/certs.d}: an absolute path written
     * from the agent's view names a file that does not exist on the node.
     */
    static String hostsToml(String host, TrustedRegistry r) {
        String url = "https://" + host;
        StringBuilder sb = new StringBuilder()
                .append("# Written by the Portcullis node agent for ").append(r.id()).append("; do not edit.\n")
                .append("server = \"").append(url).append("\"\n\n")
                .append("[host.\"").append(url).append("\"]\n")
                .append("  capabilities = [").append(r.capabilities().stream().map(c -> "\"" + c + "\"")
                        .collect(Collectors.joining(", "))).append("]\n")
                .append("  ca = \"ca.crt\"\n");
        if (r.clientCertificate().isPresent()) {
            sb.append("  client = [[\"client.crt\", \"client.key\"]]\n");
        }
        return sb.toString();
    }

    /** Writes only when the content differs; true if it did. */
    private static boolean write(Path file, String content, boolean secret) throws IOException {
        return HostFiles.write(file, content.getBytes(StandardCharsets.UTF_8), secret ? "rw-------" : "rw-r--r--");
    }

    private static boolean deleteIfExists(Path... files) throws IOException {
        boolean any = false;
        for (Path f : files) {
            any |= Files.deleteIfExists(f);
        }
        return any;
    }
}
