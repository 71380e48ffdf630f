package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.MockCluster;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar target/portcullis-operator.jar} against the cluster of a kubeconfig (here the
 * mock API server): proves the shaded jar starts, finds its HTTP client and reconciles.
 */
class JarSmokeIT {

  @Test
  void shadedJarReconcilesTheClusterOfTheKubeconfig() throws Exception {
    try (var cluster = new MockCluster(true)) {
      var builder = OperatorJar.process(OperatorJar.kubeconfig("smoke",
          cluster.client.getMasterUrl().toString()));
      int healthPort;
      try (var socket = new java.net.ServerSocket(0)) {
        healthPort = socket.getLocalPort();
      }
      builder.environment().put("PORTCULLIS_HTTP_PORT", Integer.toString(healthPort));
      builder.redirectErrorStream(true);
      builder.redirectOutput(Path.of("target", "smoke-operator.log").toFile());
      Process operator = builder.start();
      try {
        try (var in = new FileInputStream(Path.of("..", "samples", "htpasswd.yaml").toFile())) {
          for (var item : cluster.client.load(in).items()) {
            item.getMetadata().setNamespace("default");
            cluster.client.resource(item).create();
          }
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().untilAsserted(() -> {
              var d = cluster.client.resources(Deployment.class).inNamespace("default")
                  .withName("calculus").get();
              assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                  .as("default image: the jar manifest's version")
                  .isEqualTo("ghcr.io/portcullis-dev/portcullis-registry:"
                      + System.getProperty("portcullis.version"));
              var r = cluster.client.resources(SecureRegistry.class).inNamespace("default")
                  .withName("calculus").get();
              assertThat(r.getStatus().condition("CertificatesReady").orElseThrow().getStatus())
                  .isEqualTo("True");
            });
        // the probes deploy/deployment.yaml points the kubelet at
        var http = java.net.http.HttpClient.newHttpClient();
        for (String path : new String[] {"/livez", "/readyz"}) {
          await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
              assertThat(http.send(java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + healthPort + path)).build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode())
                  .as(path).isEqualTo(200));
        }
      } finally {
        operator.destroy();
        operator.waitFor();
      }
    }
  }

  @Test
  void helpPrintsTheUsageAndExitsZero() throws Exception {
    var run = runJar(null, "--help");
    assertThat(run.exit()).isZero();
    assertThat(run.output()).startsWith("usage: java -jar portcullis-operator.jar")
        .contains("PORTCULLIS_WATCH_NAMESPACES");
  }

  @Test
  void anUnreachableClusterIsOneLineNamingTheApiServerAndExitOne() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path kubeconfig = OperatorJar.kubeconfig("unreachable", "https://127.0.0.1:" + port);
    var run = runJar(kubeconfig);
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output().strip()).hasLineCount(1)
        .contains("https://127.0.0.1:" + port, "connection refused");
  }

  record Run(int exit, String output) {
  }

  /** Runs the jar to its exit (at most a minute) with stdout and stderr merged. */
  private static Run runJar(Path kubeconfig, String... args) throws Exception {
    var builder = OperatorJar.process(kubeconfig, args).redirectErrorStream(true);
    Process p = builder.start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(output).isTrue();
    return new Run(p.exitValue(), output);
  }
}
