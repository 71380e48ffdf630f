package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * kube-proxy's NodePorts on the one node: for every Service of type NodePort, a listener on
 * {@code 127.0.0.1:<nodePort>} that tunnels each connection to a ready pod of the Service. This is
 * how a node's containerd reaches {@code localhost:<nodePort>}, the name the node agent writes for
 * a NodePort registry: Go clients never send loopback names through a proxy, so the
 * {@link ServiceProxy} cannot stand in for it.
 */
public final class NodePorts implements AutoCloseable {

  private record Target(String namespace, String service, int port) {}

  private final KubernetesClient client;
  private final Kubelet kubelet;
  private final Map<Integer, ServerSocket> listeners = new ConcurrentHashMap<>();
  private final Map<Integer, Target> targets = new ConcurrentHashMap<>();
  private final Map<Integer, String> failures = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    var t = new Thread(r, "node-ports");
    t.setDaemon(true);
    return t;
  });

  public NodePorts(KubernetesClient client, Kubelet kubelet) {
    this.client = client;
    this.kubelet = kubelet;
  }

  public NodePorts start() {
    loop.scheduleWithFixedDelay(this::syncQuietly, 0, Kubelet.PERIOD_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** NodePorts that could not be opened (taken by another process of this machine), and why. */
  public Map<Integer, String> failures() {
    return Map.copyOf(failures);
  }

  private void syncQuietly() {
    try {
      sync();
    } catch (RuntimeException e) {
      if (!loop.isShutdown()) {
        System.err.println("node ports: " + e);
      }
    }
  }

  private void sync() {
    Set<Integer> wanted = new HashSet<>();
    for (Service s : client.services().inAnyNamespace().list().getItems()) {
      if (!"NodePort".equals(s.getSpec().getType()) && !"LoadBalancer".equals(s.getSpec().getType())) {
        continue;
      }
      for (ServicePort p : s.getSpec().getPorts()) {
        if (p.getNodePort() == null) {
          continue;
        }
        wanted.add(p.getNodePort());
        targets.put(p.getNodePort(), new Target(s.getMetadata().getNamespace(),
            s.getMetadata().getName(), p.getPort()));
        if (!listeners.containsKey(p.getNodePort()) && !failures.containsKey(p.getNodePort())) {
          open(p.getNodePort());
        }
      }
    }
    for (Integer port : Set.copyOf(listeners.keySet())) {
      if (!wanted.contains(port)) {
        closeQuietly(listeners.remove(port));
        targets.remove(port);
      }
    }
    failures.keySet().retainAll(wanted);
  }

  private void open(int nodePort) {
    try {
      var server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), nodePort), 50);
      listeners.put(nodePort, server);
      var t = new Thread(() -> accept(nodePort, server), "node-port-" + nodePort);
      t.setDaemon(true);
      t.start();
    } catch (IOException e) {
      failures.put(nodePort, e.toString());
      System.err.println("node ports: cannot listen on 127.0.0.1:" + nodePort + ": " + e);
    }
  }

  private void accept(int nodePort, ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        var t = new Thread(() -> forward(nodePort, s), "node-port-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void forward(int nodePort, Socket client) {
    try (client) {
      Target target = targets.get(nodePort);
      InetSocketAddress endpoint = target == null ? null
          : kubelet.serviceAddress(target.namespace(), target.service(), target.port());
      if (endpoint == null) {
        return; // no ready endpoint: the connection is refused, as kube-proxy rejects it
      }
      try (Socket upstream = new Socket()) {
        upstream.connect(endpoint, 5000);
        ServiceProxy.splice(client, upstream);
      }
    } catch (Exception e) {
      // a client that goes away mid-connection is normal
    }
  }

  private static void closeQuietly(ServerSocket s) {
    try {
      if (s != null) {
        s.close();
      }
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
    listeners.values().forEach(NodePorts::closeQuietly);
    listeners.clear();
  }
}
