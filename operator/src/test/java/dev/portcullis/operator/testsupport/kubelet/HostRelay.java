package dev.portcullis.operator.testsupport.kubelet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A service of the test that listens on the host's loopback (the mock API server, the in-process
 * S3), made reachable from pods: a TCP relay on the node's address as pods see it (the CNI
 * bridge's gateway). Bytes pass unchanged, so TLS and signed requests (S3's SigV4 signs the Host
 * the client sent, which is this address) work end to end.
 */
public final class HostRelay implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;

  /** Listens on {@code listen}, any free port, and relays each connection to {@code target}. */
  public HostRelay(InetAddress listen, InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, listen);
    var t = new Thread(this::accept, "host-relay-" + target.getPort());
    t.setDaemon(true);
    t.start();
  }

  /** Where pods reach the service, e.g. {@code 10.231.89.1:41234}. */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  /** {@code scheme://host:port} of {@link #address()}. */
  public String url(String scheme) {
    return scheme + "://" + server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        var t = new Thread(() -> forward(s), "host-relay-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void forward(Socket client) {
    try (client; Socket upstream = new Socket()) {
      upstream.connect(target, 5000);
      ServiceProxy.splice(client, upstream);
    } catch (Exception e) {
      // a peer that goes away is normal
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
