package dev.portcullis.registry.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private containerd (Debian's package) for client tests: its own root, state and a short socket path under /tmp
 * (unix socket paths are limited to ~108 bytes, which JUnit temp folders can exceed). The CRI plugin is disabled:
 * only the content store, images and the native snapshotter are needed for {@code ctr images pull/push}.
 * Needs root, as containerd does.
 */
public final class ContainerdProcess implements AutoCloseable {
    public static final String BINARY = "/usr/bin/containerd";

    private final Process process;
    private final Path home;
    private final Path socket;
    private final Path log;

    private ContainerdProcess(Process process, Path home, Path socket, Path log) {
        this.process = process;
        this.home = home;
        this.socket = socket;
        this.log = log;
    }

    public static boolean usable() {
        return Files.isExecutable(Path.of(BINARY)) && Files.isExecutable(Path.of("/usr/bin/ctr"))
                && "root".equals(System.getProperty("user.name"));
    }

    public static ContainerdProcess start() throws IOException, InterruptedException {
        Path home = Files.createTempDirectory(Path.of("/tmp"), "ctd");
        Path socket = home.resolve("c.sock");
        Path config = home.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%s/root"
                state = "%s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
                [grpc]
                  address = "%s"
                [ttrpc]
                  address = "%s.ttrpc"
                """.formatted(home, home, socket, socket));
        Path log = home.resolve("containerd.log");
        Process p = new ProcessBuilder(BINARY, "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ContainerdProcess c = new ContainerdProcess(p, home, socket, log);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                throw new IOException("containerd exited: " + Files.readString(log));
            }
            if (Files.exists(socket) && c.ctr(List.of("version"), 10).exit() == 0) {
                return c;
            }
            Thread.sleep(100);
        }
        c.close();
        throw new IOException("containerd did not answer within 30s: " + Files.readString(log));
    }

    public record Result(int exit, String output) {
    }

    /** Runs {@code ctr -a SOCKET -n portcullis-test ARGS}. */
    public Result ctr(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", "portcullis-test"));
        cmd.addAll(args);
        Path out = Files.createTempFile(home, "ctr", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + cmd + "\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // Content and native snapshots are plain files; remove them so /tmp does not fill up across runs.
        try (var walk = Files.walk(home)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
