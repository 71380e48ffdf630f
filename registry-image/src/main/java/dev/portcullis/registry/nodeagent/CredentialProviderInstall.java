package dev.portcullis.registry.nodeagent;

import dev.portcullis.registry.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kubelet image credential provider, installed on the node for every registry that asks for it: the host has no
 * Java, so the agent copies its own Java runtime and jar into {@code BIN/.portcullis-credential-provider/<digest>/}
 * (a folder filled under a temporary name and renamed whole), writes one launcher script per registry beside it
 * ({@code BIN/portcullis-credential-provider.<namespace>.<name>}, renamed into place), then the kubelet's
 * CredentialProviderConfig naming them. The payload's folder is named by the digest of its content: an agent of
 * another version installs beside the old one, the launchers switch over each in one rename, and the old folder goes.
 */
public final class CredentialProviderInstall {
    static final String PAYLOAD_DIR = ".portcullis-credential-provider";
    static final String JAR_NAME = "portcullis-registry.jar";
    /** A launcher name is a file name: the id's namespace and name, both DNS names, nothing that leaves the folder. */
    private static final Pattern ID = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?");

    private final Path binDir;
    private final Path configFile;
    private final Path runtime;
    private final Path jar;
    private String digest;
    /** The config file's problem last logged: logged again only when it changes, not every pass. */
    private String reportedProblem;

    /**
     * {@code binDir} and {@code configFile} as the agent sees them (host paths mounted into its pod); {@code runtime}
     * the Java runtime to copy (its {@code bin/java} runs the provider) and {@code jar} the registry's jar.
     */
    public CredentialProviderInstall(Path binDir, Path configFile, Path runtime, Path jar) {
        this.binDir = binDir;
        this.configFile = configFile;
        this.runtime = runtime;
        this.jar = jar;
    }

    /** The executable's name for registry {@code id} (namespace/name), which is also the provider's name. */
    static Optional<String> launcherName(String id) {
        return ID.matcher(id).matches() ? Optional.of(KubeletProviderConfig.NAME_PREFIX + id.replace('/', '.'))
                : Optional.empty();
    }

    /**
     * One pass: returns what changed, for the log. The registries of {@code kept} (entries skipped this pass) keep
     * their launcher and provider as they were. A config file the agent cannot read is left as it is and reported
     * with a {@link ConfigException} of one line, after the launchers are in place.
     */
    public List<String> reconcile(List<TrustedRegistry> registries, Set<String> kept) throws IOException {
        List<String> changes = new ArrayList<>();
        List<KubeletProviderConfig.Provider> providers = new ArrayList<>();
        Set<String> keptNames = new HashSet<>();
        kept.forEach(id -> launcherName(id).ifPresent(keptNames::add));
        for (TrustedRegistry r : registries) {
            if (r.credentialProviderAudience().isEmpty()) {
                continue;
            }
            Optional<String> name = launcherName(r.id());
            if (name.isEmpty()) {
                changes.add("no credential provider for " + r.id() + ": not a namespace/name id");
                continue;
            }
            providers.add(new KubeletProviderConfig.Provider(name.get(), r.hosts(), r.credentialProviderAudience().get()));
        }
        Files.createDirectories(binDir);
        String current = null;
        if (!providers.isEmpty()) {
            current = digest();
            if (installPayload(current)) {
                changes.add("installed the credential provider's runtime and jar in " + binDir.resolve(PAYLOAD_DIR)
                        .resolve(current));
            }
            for (var p : providers) {
                if (HostFiles.write(binDir.resolve(p.name()), launcher(current).getBytes(StandardCharsets.UTF_8),
                        "rwxr-xr-x")) {
                    changes.add("wrote " + binDir.resolve(p.name()));
                }
            }
        }
        updateConfig(providers, keptNames, changes);
        reportedProblem = null;
        // Only once the config no longer names them: the kubelet may still run what it names.
        Set<String> wanted = new HashSet<>(keptNames);
        providers.forEach(p -> wanted.add(p.name()));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(binDir, KubeletProviderConfig.NAME_PREFIX + "*")) {
            for (Path f : ds) {
                if (!wanted.contains(f.getFileName().toString()) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(f);
                    changes.add("removed " + f);
                }
            }
        }
        if (keptNames.isEmpty()) {
            removePayloadsBut(current, changes);
        }
        return changes;
    }

    /** True the first time {@code problem} is reported in a row. */
    boolean firstReport(String problem) {
        boolean first = !problem.equals(reportedProblem);
        reportedProblem = problem;
        return first;
    }

    private void updateConfig(List<KubeletProviderConfig.Provider> providers, Set<String> keptNames,
            List<String> changes) throws IOException {
        String existing = Files.exists(configFile) ? Files.readString(configFile, StandardCharsets.UTF_8) : null;
        Optional<String> merged;
        try {
            merged = KubeletProviderConfig.merge(existing, providers, keptNames);
        } catch (ConfigException e) {
            throw new ConfigException(configFile + ": " + e.getMessage() + "; left as it is, the kubelet will not "
                    + "run the Portcullis credential provider");
        }
        if (merged.isEmpty()) {
            if (Files.deleteIfExists(configFile)) {
                changes.add("removed " + configFile + ": no credential provider left in it (remove the kubelet's "
                        + "--image-credential-provider-config flag before its next restart)");
            }
        } else if (!merged.get().equals(existing)) {
            Files.createDirectories(configFile.getParent());
            HostFiles.write(configFile, merged.get().getBytes(StandardCharsets.UTF_8), "rw-r--r--");
            changes.add("wrote " + configFile + " (the kubelet reads it when it starts)");
        }
    }

    /**
     * The launcher: {@code $0} is the path the kubelet ran, so the payload is found beside it whatever the host folder
     * is called (the agent sees it under another path). A small heap and the C1 compiler only: the provider runs for
     * a fraction of a second per pull; no perf-data file in the host's /tmp.
     */
    static String launcher(String digest) {
        return "#!/bin/sh\n"
                + "# Written by the Portcullis node agent; do not edit. The kubelet runs it for each image pull.\n"
                + "d=\"$(dirname \"$0\")/" + PAYLOAD_DIR + "/" + digest + "\"\n"
                + "exec \"$d/java/bin/java\" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -XX:-UsePerfData "
                + "-Xshare:auto -jar \"$d/" + JAR_NAME + "\" credential-provider \"$@\"\n";
    }

    /** Copies the runtime and jar into the digest's folder unless it is there; true if it copied. */
    private boolean installPayload(String digest) throws IOException {
        Path payloads = binDir.resolve(PAYLOAD_DIR);
        Path target = payloads.resolve(digest);
        if (Files.isDirectory(target)) {
            return false;
        }
        Files.createDirectories(payloads);
        Path tmp = payloads.resolve(digest + ".tmp");
        HostFiles.deleteTree(tmp);
        copyTree(runtime, tmp.resolve("java"));
        Files.copy(jar, tmp.resolve(JAR_NAME), StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private void removePayloadsBut(String current, List<String> changes) throws IOException {
        Path payloads = binDir.resolve(PAYLOAD_DIR);
        if (!Files.isDirectory(payloads)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(payloads)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().equals(current)) {
                    HostFiles.deleteTree(p);
                    changes.add("removed " + p);
                }
            }
        }
        if (current == null) {
            Files.deleteIfExists(payloads);
        }
    }

    /** SHA-256 of the runtime's files (paths and content) and the jar, computed once: the payload's folder name. */
    String digest() throws IOException {
        if (digest == null) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                List<Path> files;
                try (Stream<Path> walk = Files.walk(runtime)) {
                    files = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p))
                            .sorted(Comparator.comparing(p -> runtime.relativize(p).toString())).toList();
                }
                for (Path f : files) {
                    sha.update(runtime.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0);
                    if (Files.isSymbolicLink(f)) {
                        sha.update(Files.readSymbolicLink(f).toString().getBytes(StandardCharsets.UTF_8));
                    } else {
                        update(sha, f);
                    }
                }
                sha.update((byte) 1);
                update(sha, jar);
                digest = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return digest;
    }

    private static void update(MessageDigest sha, Path file) throws IOException {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
    }

    /** Symbolic links stay links (jlink's legal/ folder has relative ones); permissions are kept (bin/java runs). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }
}
