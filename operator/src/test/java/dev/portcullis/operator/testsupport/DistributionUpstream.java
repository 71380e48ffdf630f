package dev.portcullis.operator.testsupport;

import dev.portcullis.operator.testsupport.clients.Exec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mindrot.jbcrypt.BCrypt;

/**
 * A public registry's stand-in (docker.io, say): CNCF Distribution 2.8.2 ({@code docker-registry},
 * the reference implementation) on 127.0.0.1 with TLS from a self-signed certificate and one
 * htpasswd account, {@link #USER} with a random password. {@link #stop()} takes it down, as an
 * outage would.
 */
public final class DistributionUpstream implements AutoCloseable {

  public static final Path BINARY = Path.of("/usr/bin/docker-registry");
  public static final String USER = "puller";

  private final Process process;
  private final Path log;
  private final int port;
  private final String password;
  private final String caPem;

  public DistributionUpstream(Path dir) throws IOException {
    this(dir, List.of());
  }

  /**
   * As {@link #DistributionUpstream(Path)}, its certificate also naming {@code addresses} (where
   * pods reach it through a relay).
   */
  public DistributionUpstream(Path dir, List<InetAddress> addresses) throws IOException {
    var tls = SelfSignedCertificate.create(dir, "upstream", addresses);
    caPem = tls.pem();
    password = "upstream-" + UUID.randomUUID();
    Files.writeString(dir.resolve("htpasswd"),
        USER + ":" + BCrypt.hashpw(password, BCrypt.gensalt(10)) + "\n");
    try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("config.yml"), """
        version: 0.1
        log: {level: info}
        storage: {filesystem: {rootdirectory: %s}}
        http: {addr: "127.0.0.1:%d", tls: {certificate: %s, key: %s}}
        auth: {htpasswd: {realm: upstream, path: %s}}
        """.formatted(dir.resolve("data"), port, tls.certificate(), tls.key(),
        dir.resolve("htpasswd")));
    log = dir.resolve("upstream.log");
    process = new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("config.yml").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Instant deadline = Instant.now().plusSeconds(30);
    while (true) {
      try (var s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || Instant.now().isAfter(deadline)) {
          throw new IOException("docker-registry did not listen on " + port + ":\n" + log());
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }
  }

  /** https://127.0.0.1:PORT */
  public String url() {
    return "https://127.0.0.1:" + port;
  }

  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public String password() {
    return password;
  }

  /** Its self-signed certificate, the CA a client must trust. */
  public String caPem() {
    return caPem;
  }

  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** Takes it down and waits until it no longer accepts connections. */
  public void stop() {
    Exec.killTree(process);
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      stop();
    }
  }
}
