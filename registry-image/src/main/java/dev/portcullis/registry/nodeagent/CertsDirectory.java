package dev.portcullis.registry.nodeagent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
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
                Path dir = root.resolve(host);
                if (Files.isDirectory(dir) && !Files.exists(dir.resolve(MARKER))) {
                    LOG.warning(dir + " exists and is not managed by Portcullis; left as it is");
                    continue;
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
                if (layout == Layout.CONTAINERD) {
                    changed |= write(dir.resolve("hosts.toml"), hostsToml(host, r), false);
                }
                if (changed) {
                    changes.add("wrote " + dir + " for " + r.id());
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path dir : ds) {
                Path marker = dir.resolve(MARKER);
                if (Files.exists(marker) && !wanted.contains(dir.getFileName().toString())
                        && !kept.contains(Files.readString(marker).strip())) {
                    deleteTree(dir);
                    changes.add("removed " + dir);
                }
            }
        }
        return changes;
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
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
            return false;
        }
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        if (secret) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Nothing finer to set.
            }
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return true;
    }

    private static boolean deleteIfExists(Path... files) throws IOException {
        boolean any = false;
        for (Path f : files) {
            any |= Files.deleteIfExists(f);
        }
        return any;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
