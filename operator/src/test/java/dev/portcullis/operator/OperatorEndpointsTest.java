package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Leader election through a Lease, JOSDK's Micrometer metrics and the health endpoints. */
class OperatorEndpointsTest {

  @Test
  void leaderTakesTheLeaseAndServesHealthAndMetrics() throws Exception {
    try (var cluster = new MockCluster(true)) {
      var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      var reconciler = new SecureRegistryReconciler(Clock.systemUTC(),
          new NodeTrustPublisher("portcullis-system", "img", Optional.empty()), HealthProber.NONE);
      var operator = OperatorMain.start(cluster.client, reconciler, Set.of(), o -> o
          .withInformerStoppedHandler(OperatorMain.LOG_INFORMER_STOP)
          .withMetrics(MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry)
              .build())
          // exitOnStopLeading false: JOSDK would System.exit the test JVM at operator.stop()
          .withLeaderElectionConfiguration(new LeaderElectionConfiguration(
              OperatorMain.LEASE_NAME, "portcullis-system",
              LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
              LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
              LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, null, null, false)));
      try (var endpoints = OperatorEndpoints.start(0, operator, registry)) {
        cluster.client.resource(Registries.basic("ep1", "reg")).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
          var lease = cluster.client.resources(Lease.class).inNamespace("portcullis-system")
              .withName(OperatorMain.LEASE_NAME).get();
          assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
          var r = cluster.client.resources(SecureRegistry.class).inNamespace("ep1")
              .withName("reg").get();
          assertThat(r.getStatus()).isNotNull();
        });
        var http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + endpoints.port();
        await().untilAsserted(() -> assertThat(get(http, base + "/readyz").statusCode())
            .isEqualTo(200));
        assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
        var metrics = get(http, base + "/metrics");
        assertThat(metrics.body()).contains("operator_sdk_reconciliations");
      } finally {
        operator.stop();
      }
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
