package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.operator.model.RegistryImage;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import dev.portcullis.operator.testsupport.MockCluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the operator does before it starts: its command line and the API server check. */
class OperatorStartupTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void helpPrintsEveryEnvironmentVariableTheOperatorReadsAndExitsZero() {
    var exit = run("--help");
    assertThat(exit).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: ").contains(List.of(
        OperatorMain.WATCH_NAMESPACES_ENV, OperatorMain.LEADER_ELECTION_ENV,
        OperatorMain.HTTP_PORT_ENV, NodeTrustPublisher.NAMESPACE_ENV, NodeTrustPublisher.AGENT_NAMESPACE_ENV,
        NodeTrustPublisher.DOCKER_CERTS_D_ENV, RegistryImage.ENV_OVERRIDE,
        SecureRegistryReconciler.HEALTH_PROBE_ENV));
  }

  @Test
  void anyOtherArgumentIsOneLineOnStderrAndExitTwo() {
    var exit = run("--namespace", "x");
    assertThat(exit).isEqualTo(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8).strip()).hasLineCount(1)
        .contains("'--namespace'", "--help");
  }

  @Test
  void noArgumentsRuns() {
    assertThat(OperatorCommandLine.exitBeforeStart(new String[0], ps(out), ps(err))).isEmpty();
  }

  @Test
  void aReachableApiServerPasses() throws Exception {
    try (var cluster = new MockCluster(false)) {
      assertThat(ApiServerCheck.problem(cluster.client.getConfiguration())).isEmpty();
    }
  }

  @Test
  void aClosedPortIsOneLineNamingTheServerAndTheCause() throws Exception {
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var problem = ApiServerCheck.problem(config("https://127.0.0.1:" + port));
    assertThat(problem).hasValueSatisfying(line -> assertThat(line).hasLineCount(1)
        .contains("https://127.0.0.1:" + port, "KUBECONFIG")
        .containsIgnoringCase("connection refused"));
  }

  @Test
  void itAsksOnceInsteadOfRetryingWithTheClientsBackoff() throws Exception {
    // A server that hangs up on every request: the operator's own client would try 11 times over
    // about 100 s (10 retries, doubling from 100 ms); the check connects once (the JDK's HTTP
    // client may itself retry a GET once on a dropped connection).
    var connections = new AtomicInteger();
    try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            connections.incrementAndGet();
          } catch (IOException closed) {
            return;
          }
        }
      });
      acceptor.start();
      String url = "http://127.0.0.1:" + server.getLocalPort();
      assertThat(ApiServerCheck.problem(config(url))).hasValueSatisfying(line ->
          assertThat(line).hasLineCount(1).contains(url));
      assertThat(connections.get()).isBetween(1, 2);
    }
  }

  @Test
  void anUnknownHostIsNamed() {
    assertThat(ApiServerCheck.problem(config("https://no-such-host.invalid:6443")))
        .hasValueSatisfying(line -> assertThat(line).hasLineCount(1)
            .contains("https://no-such-host.invalid:6443", "unknown host"));
  }

  @Test
  void refusedCredentialsAreNamedAsSuch() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(401, -1);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      assertThat(ApiServerCheck.problem(config(url))).hasValueSatisfying(line ->
          assertThat(line).hasLineCount(1).contains(url, "HTTP 401", "credentials"));
    } finally {
      server.stop(0);
    }
  }

  private int run(String... args) {
    return OperatorCommandLine.exitBeforeStart(args, ps(out), ps(err)).orElseThrow();
  }

  private static PrintStream ps(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }

  private static Config config(String url) {
    return new ConfigBuilder(Config.empty()).withMasterUrl(url).withOauthToken("t")
        .withTrustCerts(true).build();
  }
}
