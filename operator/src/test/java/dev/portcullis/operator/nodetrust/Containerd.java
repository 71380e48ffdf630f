package dev.portcullis.operator.nodetrust;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A private containerd (needs root), standing for a node's: its own root, state and socket. */
final class Containerd implements AutoCloseable {
  private final Path home;
  private final Path socket;
  private final Tools.Running daemon;

  private Containerd(Path home, Path socket, Tools.Running daemon) {
    this.home = home;
    this.socket = socket;
    this.daemon = daemon;
  }

  static Containerd start() throws Exception {
    Path home = Files.createTempDirectory(Path.of("/tmp"), "pcn-");
    Path socket = home.resolve("c.sock");
    Path config = home.resolve("config.toml");
    Files.writeString(config, """
        version = 2
        root = "%s/root"
        state = "%s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
          "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
          "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
          "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
        [grpc]
          address = "%s"
        [ttrpc]
          address = "%s.ttrpc"
        """.formatted(home, home, socket, socket));
    var c = new Containerd(home, socket,
        Tools.start(home.resolve("containerd.log"), "containerd", "--config", config.toString()));
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)) {
      if (!c.daemon.process().isAlive()) {
        throw new AssertionError("containerd exited:\n" + c.daemon.output());
      }
      if (Files.exists(socket) && c.ctr(List.of("version")).exit() == 0) {
        return c;
      }
      Thread.sleep(100);
    }
    c.close();
    throw new AssertionError("containerd did not answer in 30s:\n" + c.daemon.output());
  }

  Tools.Result ctr(List<String> args) throws IOException, InterruptedException {
    var cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", "portcullis-test"));
    cmd.addAll(args);
    return Tools.run(home, cmd);
  }

  @Override
  public void close() throws Exception {
    daemon.close();
    new ProcessBuilder("rm", "-rf", home.toString()).start().waitFor();
  }
}
