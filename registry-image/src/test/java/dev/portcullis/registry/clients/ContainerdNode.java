package dev.portcullis.registry.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private containerd, pulled from with {@code ctr} the way a cluster node pulls: through hosts.toml.
 *
 * <p>Everything (config, root, state, socket) lives in one fresh folder under /tmp: the gRPC socket path must fit in a
 * Unix socket address (~108 bytes), which a JUnit @TempDir under a deep build folder may not.
 *
 * <p>What we learned about ctr 1.6 here:
 * <ul>
 * <li>ctr, not the daemon, talks to the registry: it resolves, fetches into the daemon's content store and then asks
 *     the daemon to unpack. So --hosts-dir and --user are read by ctr, and ctr's environment matters:
 *     CONTAINERD_ADDRESS/NAMESPACE/SNAPSHOTTER are removed and always given as flags.</li>
 * <li>--user user:pass is the only credential input; with a user but no password ctr prompts on stdin (which
 *     {@link Exec} closes, so it fails fast). The credentials serve both Basic and Bearer: on a Bearer challenge ctr
 *     fetches a token from the realm itself, first by OAuth2 POST (grant_type=password), falling back to GET with
 *     Basic auth when the token server answers 400/401/404 (or 405 with a user); --refresh is for a refresh token.</li>
 * <li>Snapshotter: both overlayfs and native load and unpack in this sandbox (ext4 root, we are root). We use
 *     native: it needs only bind mounts, works whatever /tmp is on (overlay on overlay, as in a container, fails),
 *     and our layers are small. The unpack still checks every layer's diff_id against the config, which is what we
 *     want from it; which snapshotter stores the result is not the registry's business.</li>
 * </ul>
 */
public final class ContainerdNode implements AutoCloseable {
    /** See the class comment: native unpacks wherever we can bind-mount. */
    public static final String SNAPSHOTTER = "native";
    public static final String NAMESPACE = "portcullis-test";
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration QUICK = Duration.ofSeconds(30);

    private final String ctr;
    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Process daemon;

    private ContainerdNode(String ctr, Path dir, Path socket, Path log, Process daemon) {
        this.ctr = ctr;
        this.dir = dir;
        this.socket = socket;
        this.log = log;
        this.daemon = daemon;
    }

    /** Starts containerd in a fresh /tmp folder and waits until it answers {@code ctr version}. */
    public static ContainerdNode start() {
        String containerd = RequiredTool.CONTAINERD.require();
        String ctr = RequiredTool.CTR.require();
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "pcd-");
            Path socket = dir.resolve("c.sock");
            Path config = dir.resolve("config.toml");
            // CRI is off: it would want CNI and a network; opt would write to /opt/containerd; the rest are
            // snapshotters and tracing that only add noise when they fail to load.
            Files.writeString(config, """
                    version = 2
                    root = "%s"
                    state = "%s"
                    disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
                      "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                      "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
                      "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
                    [grpc]
                      address = "%s"
                    [ttrpc]
                      address = "%s.ttrpc"
                    """.formatted(dir.resolve("root"), dir.resolve("state"), socket, socket));
            Path log = dir.resolve("containerd.log");
            ProcessBuilder pb = new ProcessBuilder(containerd, "--config", config.toString(), "--log-level", "info")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("CONTAINERD_"));
            ContainerdNode node = new ContainerdNode(ctr, dir, socket, log, pb.start());
            node.awaitReady(Duration.ofSeconds(30));
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start containerd", e);
        }
    }

    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Exec.Result last = null;
        while (Instant.now().isBefore(deadline)) {
            if (!daemon.isAlive()) {
                String out = readLog();
                close();
                throw new AssertionError("containerd exited " + daemon.exitValue() + ":\n" + out);
            }
            if (Files.exists(socket)) {
                last = ctr(List.of("version"), Set.of(), QUICK);
                if (last.ok() && last.output().contains("Server:")) {
                    return;
                }
            }
            sleep(100);
        }
        String out = readLog();
        close();
        throw new AssertionError("containerd did not answer within " + timeout
                + (last == null ? "" : "; last: " + last.describe()) + "\nlog:\n" + out);
    }

    // ---- pulling ----

    public Exec.Result pull(String imageRef, Path hostsDir) {
        return pull(imageRef, hostsDir, Optional.empty());
    }

    /** {@code ctr images pull --hosts-dir DIR [--user user:pass] REF}, unpacked with the native snapshotter. */
    public Exec.Result pull(String imageRef, Path hostsDir, Optional<Credentials> credentials) {
        return tryPull(imageRef, hostsDir, credentials).orThrow();
    }

    /** The same pull without asserting success, for tests that expect it to fail. */
    public Exec.Result tryPull(String imageRef, Path hostsDir, Optional<Credentials> credentials) {
        List<String> args = new ArrayList<>(List.of("images", "pull", "--snapshotter", SNAPSHOTTER,
                "--hosts-dir", hostsDir.toString()));
        Set<String> secrets = new HashSet<>();
        credentials.ifPresent(c -> {
            args.add("--user");
            args.add(c.pair());
            secrets.addAll(c.secrets());
        });
        args.add(imageRef);
        return ctr(args, secrets, PULL_TIMEOUT);
    }

    // ---- looking at what was pulled ----

    /** The manifest digest {@code ctr images ls} shows for {@code ref}; fails if the image is not there. */
    public String imageDigest(String ref) {
        for (String line : ctr(List.of("images", "ls"), Set.of(), QUICK).orThrow().output().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && f[0].equals(ref)) {
                return f[2];
            }
        }
        throw new AssertionError("ctr images ls does not list " + ref + ":\n" + ctr(List.of("images", "ls"), Set.of(), QUICK).output());
    }

    /** Digests of every blob in the content store ({@code ctr content ls -q}). */
    public Set<String> contentDigests() {
        Set<String> digests = new HashSet<>();
        for (String line : ctr(List.of("content", "ls", "-q"), Set.of(), QUICK).orThrow().output().split("\n")) {
            if (line.startsWith("sha256:")) {
                digests.add(line.trim());
            }
        }
        return digests;
    }

    private static final Pattern COMPLETE = Pattern.compile("complete \\((\\d+)/(\\d+)\\)");

    /**
     * True when {@code ctr images check} says every blob of {@code ref} is present and the image is unpacked in our
     * snapshotter: the layers were valid gzip tars whose contents hash to the config's diff_ids.
     */
    public boolean completeAndUnpacked(String ref) {
        Exec.Result r = ctr(List.of("images", "check", "--snapshotter", SNAPSHOTTER), Set.of(), QUICK).orThrow();
        for (String line : r.output().split("\n")) {
            if (line.startsWith(ref + " ")) {
                Matcher m = COMPLETE.matcher(line);
                return m.find() && m.group(1).equals(m.group(2)) && line.trim().endsWith("true");
            }
        }
        return false;
    }

    /** Writes a blob from the content store to {@code file} ({@code ctr content get}), to compare bytes. */
    public void exportBlob(String digest, Path file) {
        Exec.run(command(List.of("content", "get", digest)), PULL_TIMEOUT, Set.of(), this::isolate, file).orThrow();
    }

    /** What the daemon logged so far: attach it to failure messages about pulls. */
    public String readLog() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    // ---- plumbing ----

    /** Any {@code ctr} command against this node's containerd; {@code secrets} are masked in failure messages. */
    public Exec.Result ctr(List<String> args, Set<String> secrets, Duration timeout) {
        return Exec.run(command(args), timeout, secrets, this::isolate);
    }

    private List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", socket.toString(), "--namespace", NAMESPACE));
        cmd.addAll(args);
        return cmd;
    }

    private void isolate(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("CONTAINERD_") || k.toLowerCase().endsWith("_proxy"));
    }

    /** Stops containerd (SIGTERM, then SIGKILL after 10 s), kills anything it left, unmounts and deletes its folder. */
    @Override
    public void close() {
        daemon.destroy();
        try {
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                Exec.killTree(daemon);
            }
        } catch (InterruptedException e) {
            Exec.killTree(daemon);
            Thread.currentThread().interrupt();
        }
        daemon.descendants().forEach(ProcessHandle::destroyForcibly);
        unmountUnder(dir);
        deleteTree(dir);
    }

    /** Unpacking bind-mounts inside root; a daemon killed mid-unpack could leave one, and rm would then fail. */
    private static void unmountUnder(Path dir) {
        try {
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].startsWith(dir.toString() + "/")) {
                    mounts.add(f[4]);
                }
            }
            mounts.sort(Comparator.reverseOrder()); // deepest first
            for (String m : mounts) {
                Exec.run(List.of("umount", "-l", m), QUICK, Set.of(), env -> {});
            }
        } catch (IOException ignored) {
            // no /proc: nothing we can do
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover /tmp/pcd-* folder is only disk space
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
