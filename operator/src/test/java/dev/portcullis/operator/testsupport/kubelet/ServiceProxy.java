package dev.portcullis.operator.testsupport.kubelet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cluster DNS for real clients: an HTTP CONNECT proxy on 127.0.0.1. skopeo and ctr are Go programs
 * that honour {@code HTTPS_PROXY}, so a client asked for {@code calculus.ns.svc:5000} sends
 * {@code CONNECT calculus.ns.svc:5000} here, and the proxy opens a TCP tunnel to the address
 * the {@link Kubelet} gave the Service's pod (its IP in CRI mode, a local port in process mode). TLS runs end to end through the tunnel: the client
 * checks the server certificate against the name it asked for, exactly as in a cluster, with no
 * /etc/hosts edit, no IP SAN and no verification switched off.
 *
 * <p>Names: {@code SVC.NS}, {@code SVC.NS.svc}, {@code SVC.NS.svc.cluster.local}, plus aliases
 * (what an external DNS record or Ingress would do for {@code spec.host} names).
 */
public final class ServiceProxy implements AutoCloseable {

  private final Kubelet kubelet;
  private final ServerSocket server;
  private final Map<String, String> aliases = new ConcurrentHashMap<>();
  private final Map<String, Kubelet.Pod> pins = new ConcurrentHashMap<>();
  private final Map<String, Integer> aliasPorts = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public ServiceProxy(Kubelet kubelet) throws IOException {
    this.kubelet = kubelet;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    var t = new Thread(this::acceptLoop, "service-proxy");
    t.setDaemon(true);
    t.start();
  }

  /** The value for HTTPS_PROXY / HTTP_PROXY. */
  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Makes {@code host} resolve to Service {@code ns/service} (as a DNS record would). */
  public void alias(String host, String ns, String service) {
    aliases.put(host, service + "." + ns + ".svc");
  }

  /**
   * Sends {@code host} on any port to port {@code servicePort} of Service {@code ns/service}: what
   * an Ingress or a LoadBalancer on 443 in front of the Service does for a public name.
   */
  public void alias(String host, String ns, String service, int servicePort) {
    alias(host, ns, service);
    aliasPorts.put(host, servicePort);
  }

  /**
   * Sends connections for {@code host} (a Service name or alias) to {@code pod} only, instead of
   * any ready pod: how a journey pushes through one replica and pulls through another while the
   * client still uses (and verifies) the Service's name. {@code null} unpins.
   */
  public void pin(String host, Kubelet.Pod pod) {
    if (pod == null) {
      pins.remove(host);
    } else {
      pins.put(host, pod);
    }
  }

  /** Maps "host:port" as a client asked for it to the local address serving it, or null. */
  public InetSocketAddress resolve(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    int port = colon < 0 ? 443 : Integer.parseInt(hostPort.substring(colon + 1));
    Kubelet.Pod pinned = pins.get(host);
    port = aliasPorts.getOrDefault(host, port);
    host = aliases.getOrDefault(host, host);
    if (pinned == null) {
      pinned = pins.get(host);
    }
    String[] parts = host.split("\\.");
    if (parts.length < 2 || (parts.length > 2 && !"svc".equals(parts[2]))) {
      return null;
    }
    return pinned != null ? kubelet.serviceAddress(parts[1], parts[0], port, pinned)
        : kubelet.serviceAddress(parts[1], parts[0], port);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        var t = new Thread(() -> handle(s), "service-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("service proxy: " + e);
        }
      }
    }
  }

  private void handle(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      String request = readHead(in);
      String[] first = request.split("\r\n", 2)[0].split(" ");
      OutputStream out = client.getOutputStream();
      if (first.length < 2 || !"CONNECT".equals(first[0])) {
        out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        return;
      }
      InetSocketAddress target = resolve(first[1]);
      if (target == null) {
        System.err.println("service proxy: no ready endpoint for " + first[1]);
        out.write(("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        return;
      }
      try (Socket upstream = new Socket()) {
        upstream.connect(target, 5000);
        out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        splice(client, upstream);
      }
    } catch (Exception e) {
      // a client that goes away mid-tunnel is normal
    }
  }

  /** Copies both ways until both sides are done. */
  static void splice(Socket client, Socket upstream) throws InterruptedException {
    var back = new Thread(() -> pipe(upstream, client), "service-proxy-pipe");
    back.setDaemon(true);
    back.start();
    pipe(client, upstream);
    back.join(30_000);
  }

  private static void pipe(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      // closed
    }
  }

  private static String readHead(InputStream in) throws IOException {
    var sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      sb.append((char) c);
      if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        break;
      }
      if (sb.length() > 8192) {
        break;
      }
    }
    return sb.toString();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
  }
}
