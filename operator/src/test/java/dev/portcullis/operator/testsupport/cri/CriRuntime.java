package dev.portcullis.operator.testsupport.cri;

import dev.portcullis.operator.testsupport.clients.ClusterSkopeo;
import dev.portcullis.operator.testsupport.clients.Exec;
import dev.portcullis.operator.testsupport.cri.v1.ImageServiceGrpc;
import dev.portcullis.operator.testsupport.cri.v1.ImageSpec;
import dev.portcullis.operator.testsupport.cri.v1.ImageStatusRequest;
import dev.portcullis.operator.testsupport.cri.v1.ListPodSandboxRequest;
import dev.portcullis.operator.testsupport.cri.v1.RemovePodSandboxRequest;
import dev.portcullis.operator.testsupport.cri.v1.StopPodSandboxRequest;
import dev.portcullis.operator.testsupport.cri.v1.RuntimeServiceGrpc;
import dev.portcullis.operator.testsupport.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * A node's container runtime as a kubelet finds it: a private containerd with its CRI plugin,
 * runc, and Debian's CNI bridge plugin giving each pod sandbox its own network namespace and an
 * address on {@link #SUBNET}. The kubelet talks to it only through the CRI's gRPC services
 * ({@link #runtime()}, {@link #images()}) on its unix socket.
 *
 * <p>Settings a real node would also need here (measured on a 2-core Debian 12 VM, cgroup v1):
 * {@code restrict_oom_score_adj} (root in this VM lacks CAP_SYS_RESOURCE, and without it every
 * sandbox fails in runc with "can't get final child's PID from pipe"), AppArmor off (not loaded
 * here), and a sandbox image of our own ({@link SandboxImage}) because no pause image can be
 * pulled. The bridge is made before containerd starts so that the harness can listen on its
 * gateway address ({@link #gateway()}) before the first pod: that address is the node as its pods
 * see it.
 */
public final class CriRuntime implements AutoCloseable {

  public static final String NAMESPACE = "k8s.io";
  /**
   * Which /24 the pods get, {@code 10.231.N.0/24} with its own bridge: 89 unless
   * {@code PORTCULLIS_E2E_POD_SUBNET} names another, so that two container runs on one machine
   * (two worktrees, or a build beside CI) do not share a bridge and its addresses.
   */
  private static final int SUBNET_OCTET = subnetOctet(System.getenv("PORTCULLIS_E2E_POD_SUBNET"));
  static final String BRIDGE = SUBNET_OCTET == 89 ? "pcl-e2e0" : "pcl-e2e" + SUBNET_OCTET;
  /** The pods' addresses (and the node's, the gateway): clients reach them directly. */
  public static final String POD_NETWORK = "10.231." + SUBNET_OCTET + ".0/24";
  static final String SUBNET = POD_NETWORK;
  static final String GATEWAY = "10.231." + SUBNET_OCTET + ".1";
  private static final Duration QUICK = Duration.ofSeconds(60);

  private final Path dir;
  private final Path socket;
  private final Path log;
  private final Process daemon;
  private final EpollEventLoopGroup group;
  private final ManagedChannel channel;

  private CriRuntime(Path dir, Path socket, Path log, Process daemon) {
    this.dir = dir;
    this.socket = socket;
    this.log = log;
    this.daemon = daemon;
    this.group = new EpollEventLoopGroup(1);
    this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext()
        .build();
  }

  /**
   * Starts containerd with its CRI plugin; registries are reached through {@code hostsDir} (the
   * node's {@code /etc/containerd/certs.d}, which the node agent writes).
   */
  public static CriRuntime start(Path hostsDir) {
    String containerd = ClusterSkopeo.requireTool(Path.of("/usr/bin/containerd"), "containerd");
    ClusterSkopeo.requireTool(Path.of("/usr/sbin/runc"), "runc");
    ClusterSkopeo.requireTool(Path.of("/usr/lib/cni/bridge"), "containernetworking-plugins");
    ClusterSkopeo.requireTool(Path.of("/usr/sbin/ip"), "iproute2");
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "pcl-cri-");
      Path socket = dir.resolve("c.sock");
      Path cni = Files.createDirectories(dir.resolve("cni"));
      Files.writeString(cni.resolve("10-pods.conflist"), """
          { "cniVersion": "1.0.0", "name": "portcullis-e2e",
            "plugins": [
              { "type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                "hairpinMode": true,
                "ipam": { "type": "host-local", "dataDir": "%s",
                          "ranges": [[{ "subnet": "%s", "gateway": "%s" }]] } },
              { "type": "loopback" } ] }
          """.formatted(BRIDGE, dir.resolve("ipam"), SUBNET, GATEWAY));
      Path config = dir.resolve("config.toml");
      Files.writeString(config, """
          version = 2
          root = "%1$s/root"
          state = "%1$s/state"
          disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
            "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
            "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
          [grpc]
            address = "%2$s"
          [ttrpc]
            address = "%2$s.ttrpc"
          [debug]
            address = ""
          [metrics]
            address = ""
          [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "%3$s"
            stream_server_address = "127.0.0.1"
            stream_server_port = "0"
            disable_apparmor = true
            restrict_oom_score_adj = true
            [plugins."io.containerd.grpc.v1.cri".containerd]
              snapshotter = "overlayfs"
              default_runtime_name = "runc"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "/usr/lib/cni"
              conf_dir = "%4$s"
            [plugins."io.containerd.grpc.v1.cri".registry]
              config_path = "%5$s"
          """.formatted(dir, socket, SandboxImage.REF, cni, hostsDir.toAbsolutePath()));
      bridge();
      Path log = dir.resolve("containerd.log");
      var pb = new ProcessBuilder(containerd, "--config", config.toString(), "--log-level", "info")
          .redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("CONTAINERD_")
          || k.toLowerCase().endsWith("_proxy"));
      var cri = new CriRuntime(dir, socket, log, pb.start());
      cri.awaitReady();
      cri.importImage(SandboxImage.write(dir.resolve("pause.tar")), SandboxImage.REF);
      return cri;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start containerd", e);
    }
  }

  static int subnetOctet(String value) {
    if (value == null || value.isBlank()) {
      return 89;
    }
    try {
      int octet = Integer.parseInt(value.trim());
      if (octet >= 1 && octet <= 254) {
        return octet;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "PORTCULLIS_E2E_POD_SUBNET must be a number from 1 to 254 (the N of 10.231.N.0/24), not " + value);
  }

  /** The bridge with the gateway address, made now (the CNI plugin takes it as it finds it). */
  private static void bridge() {
    var show = run(List.of("/usr/sbin/ip", "-4", "addr", "show", "dev", BRIDGE));
    if (!show.ok()) {
      run(List.of("/usr/sbin/ip", "link", "add", BRIDGE, "type", "bridge")).orThrow();
    }
    if (!show.output().contains(GATEWAY + "/")) {
      run(List.of("/usr/sbin/ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE)).orThrow();
    }
    run(List.of("/usr/sbin/ip", "link", "set", BRIDGE, "up")).orThrow();
  }

  /** The node's address as its pods reach it (the bridge's gateway). */
  public static InetAddress gateway() {
    try {
      return InetAddress.getByName(GATEWAY);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (!daemon.isAlive()) {
        throw new AssertionError("containerd exited " + daemon.exitValue() + ":\n" + readLog());
      }
      if (Files.exists(socket)) {
        try {
          runtime().withDeadlineAfter(5, TimeUnit.SECONDS)
              .version(VersionRequest.newBuilder().setVersion("v1").build());
          return;
        } catch (StatusRuntimeException e) {
          // the CRI plugin is still loading
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("containerd's CRI did not answer within 60 s:\n" + readLog());
  }

  /**
   * Puts the OCI archive {@code archive} into the node's image store as {@code ref} (what
   * {@code ctr -n k8s.io images import} does on a node without registry access); fails naming the
   * archive and how to build it when it is missing.
   */
  public void importImage(Path archive, String ref) {
    if (!Files.isRegularFile(archive)) {
      throw new IllegalStateException(archive + " is missing: build the images first"
          + " (mvn -B -Pimages -DskipTests package)");
    }
    ctr(List.of("images", "import", "--snapshotter", "overlayfs", archive.toString()),
        Duration.ofMinutes(5)).orThrow();
    var status = images().withDeadlineAfter(30, TimeUnit.SECONDS).imageStatus(
        ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
    if (!status.hasImage()) {
      throw new IllegalStateException(archive + " did not give the image " + ref + "; ctr"
          + " images ls:\n" + ctr(List.of("images", "ls", "-q"), QUICK).output());
    }
  }

  /**
   * Gives the image {@code source} of the node's store the name {@code target} too, as an admin
   * does with {@code ctr -n k8s.io images tag} for a workload that names the image its own way
   * (the node pulls nothing: a pod's image must be there under the name the pod uses).
   */
  public void tagImage(String source, String target) {
    ctr(List.of("images", "tag", "--force", source, target), QUICK).orThrow();
  }

  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel);
  }

  public ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel);
  }

  public String readLog() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private Exec.Result ctr(List<String> args, Duration timeout) {
    var cmd = new ArrayList<>(List.of("/usr/bin/ctr", "--address", socket.toString(),
        "--namespace", NAMESPACE));
    cmd.addAll(args);
    return Exec.run(cmd, timeout, Set.of(), env -> env.keySet().removeIf(
        k -> k.startsWith("CONTAINERD_")));
  }

  private static Exec.Result run(List<String> cmd) {
    return Exec.run(cmd, QUICK, Set.of(), env -> { });
  }

  /**
   * What is left of the node's pods (a kubelet stopped in the middle of a rollout leaves some):
   * stopped and removed, so that no container or shim outlives the daemon.
   */
  private void removeAllSandboxes() {
    if (!daemon.isAlive()) {
      return;
    }
    try {
      for (var sandbox : runtime().withDeadlineAfter(30, TimeUnit.SECONDS)
          .listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
        String id = sandbox.getId();
        runtime().withDeadlineAfter(60, TimeUnit.SECONDS).stopPodSandbox(
            StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        runtime().withDeadlineAfter(60, TimeUnit.SECONDS).removePodSandbox(
            RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
    } catch (StatusRuntimeException e) {
      System.err.println("containerd: cannot remove the pods left: " + e.getStatus().getCode()
          + " " + e.getStatus().getDescription());
    }
  }

  /**
   * Stops containerd after removing what is left of its pods (their shims would outlive the
   * daemon). Mounts left under its folder are undone and the folder deleted.
   */
  @Override
  public void close() {
    removeAllSandboxes();
    channel.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    daemon.destroy();
    try {
      if (!daemon.waitFor(15, TimeUnit.SECONDS)) {
        Exec.killTree(daemon);
      }
    } catch (InterruptedException e) {
      Exec.killTree(daemon);
      Thread.currentThread().interrupt();
    }
    try {
      List<String> mounts = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        if (f.length > 4 && f[4].startsWith(dir + "/")) {
          mounts.add(f[4]);
        }
      }
      mounts.sort(Comparator.reverseOrder());
      for (String m : mounts) {
        run(List.of("umount", "-l", m));
      }
    } catch (IOException ignored) {
      // no /proc
    }
    if (!Boolean.getBoolean("portcullis.e2e.keep")) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a leftover /tmp/pcl-cri-* folder is only disk space
      }
    }
  }
}
