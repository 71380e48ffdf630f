package dev.portcullis.operator.testsupport.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The node's container runtime: a private containerd, pulled from with {@code ctr --hosts-dir}
 * as the CRI plugin pulls through {@code /etc/containerd/certs.d}. A trimmed copy of
 * registry-image's {@code clients.ContainerdNode} (see its notes on ctr 1.6: native snapshotter,
 * socket under /tmp, ctr itself does the fetching), with one difference: {@code HTTPS_PROXY} is
 * the harness's {@code ServiceProxy}, which is how a node reaches {@code NAME.NS.svc}.
 */
public final class ClusterNode implements AutoCloseable {
  public static final String NAMESPACE = "k8s.io";
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration QUICK = Duration.ofSeconds(30);

  private final String ctr;
  private final Path dir;
  private final Path socket;
  private final Path log;
  private final Process daemon;
  private final String proxy;

  private ClusterNode(String ctr, Path dir, Path socket, Path log, Process daemon, String proxy) {
    this.ctr = ctr;
    this.dir = dir;
    this.socket = socket;
    this.log = log;
    this.daemon = daemon;
    this.proxy = proxy;
  }

  public static ClusterNode start(String proxyUrl) {
    String containerd = ClusterSkopeo.requireTool(Path.of("/usr/bin/containerd"), "containerd");
    String ctr = ClusterSkopeo.requireTool(Path.of("/usr/bin/ctr"), "containerd");
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "pcn-");
      Path socket = dir.resolve("c.sock");
      Path config = dir.resolve("config.toml");
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
      var pb = new ProcessBuilder(containerd, "--config", config.toString(), "--log-level", "info")
          .redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("CONTAINERD_"));
      var node = new ClusterNode(ctr, dir, socket, log, pb.start(), proxyUrl);
      node.awaitReady();
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start containerd", e);
    }
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)) {
      if (!daemon.isAlive()) {
        throw new AssertionError("containerd exited " + daemon.exitValue() + ":\n" + readLog());
      }
      if (Files.exists(socket) && ctr(List.of("version"), Set.of(), QUICK).output()
          .contains("Server:")) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("containerd did not answer within 30 s:\n" + readLog());
  }

  /** {@code ctr images pull --hosts-dir DIR [--user USER:PASS] REF}; not asserted. */
  public Exec.Result pull(String ref, Path hostsDir, String userPass) {
    var args = new ArrayList<>(List.of("images", "pull", "--snapshotter", "native",
        "--hosts-dir", hostsDir.toString()));
    if (userPass != null) {
      args.add("--user");
      args.add(userPass);
    }
    args.add(ref);
    return ctr(args, userPass == null ? Set.of() : Set.of(userPass), PULL_TIMEOUT);
  }

  /** The manifest digest {@code ctr images ls} shows for {@code ref}. */
  public String imageDigest(String ref) {
    String out = ctr(List.of("images", "ls"), Set.of(), QUICK).orThrow().output();
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 2 && f[0].equals(ref)) {
        return f[2];
      }
    }
    throw new AssertionError("ctr images ls does not list " + ref + ":\n" + out);
  }

  public String readLog() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private Exec.Result ctr(List<String> args, Set<String> secrets, Duration timeout) {
    var cmd = new ArrayList<>(List.of(ctr, "--address", socket.toString(), "--namespace",
        NAMESPACE));
    cmd.addAll(args);
    return Exec.run(cmd, timeout, secrets, env -> {
      env.keySet().removeIf(k -> k.startsWith("CONTAINERD_") || k.toLowerCase().endsWith("_proxy"));
      if (proxy != null) {
        env.put("HTTPS_PROXY", proxy);
        env.put("HTTP_PROXY", proxy);
        env.put("NO_PROXY", dev.portcullis.operator.testsupport.cri.CriRuntime.POD_NETWORK);
      }
    });
  }

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
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f.length > 4 && f[4].startsWith(dir + "/")) {
          Exec.run(List.of("umount", "-l", f[4]), QUICK, Set.of(), env -> { });
        }
      }
    } catch (IOException ignored) {
      // no /proc
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover /tmp/pcn-* folder is only disk space
    }
  }
}
