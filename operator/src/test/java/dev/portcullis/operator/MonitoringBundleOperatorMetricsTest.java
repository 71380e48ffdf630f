package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.monitoring.MonitoringBundle;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
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
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every operator metric the alerts and the dashboard of deploy/monitoring read is one a running operator exports on
 * /metrics, with the metrics set up as OperatorMain sets them up, after it has reconciled a registry successfully
 * and failed once. (The registry's metrics: MonitoringBundleRegistryMetricsTest in registry-image.)
 */
class MonitoringBundleOperatorMetricsTest {

  @Test
  void everyOperatorMetricOfTheBundleIsExported() throws Exception {
    try (var cluster = new MockCluster(true)) {
      var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      var reconciler = new SecureRegistryReconciler(Clock.systemUTC(),
          new NodeTrustPublisher("portcullis-system", "img", Optional.empty()), HealthProber.NONE);
      var operator = OperatorMain.start(cluster.client, reconciler, Set.of(), o -> o
          .withInformerStoppedHandler(OperatorMain.LOG_INFORMER_STOP)
          .withMetrics(MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry)
              .build()));
      try (var endpoints = OperatorEndpoints.start(0, operator, registry)) {
        cluster.client.resource(Registries.basic("mon1", "reg")).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
            cluster.client.resources(SecureRegistry.class).inNamespace("mon1").withName("reg").get()
                .getStatus()).isNotNull());
        // failed reconciles: an admission webhook denies the status patches (a new config changes the status)
        cluster.denied.add("/namespaces/mon1/secureregistries/reg/status");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          var r = cluster.client.resources(SecureRegistry.class).inNamespace("mon1").withName("reg").get();
          r.getSpec().health = new dev.portcullis.operator.api.HealthSpec();
          r.getSpec().health.storageDriver = new dev.portcullis.operator.api.HealthSpec.StorageDriver();
          r.getSpec().health.storageDriver.interval = "45s";
          cluster.client.resource(r).update();
          return true;
        });
        var http = HttpClient.newHttpClient();
        String scrapeUrl = "http://127.0.0.1:" + endpoints.port() + "/metrics";
        var scraped = new String[1];
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
          scraped[0] = http.send(HttpRequest.newBuilder(URI.create(scrapeUrl)).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          assertThat(scraped[0]).contains("operator_sdk_reconciliations_failed_total");
        });
        cluster.denied.clear();
        String metrics = scraped[0];
        var exported = MonitoringBundle.exported(metrics);
        var missing = new TreeSet<String>();
        for (String name : MonitoringBundle.metricNames()) {
          if (MonitoringBundle.fromOperator(name) && !exported.contains(name)) {
            missing.add(name);
          }
        }
        assertThat(missing).as("read by deploy/monitoring but not exported by the operator (exported: %s)",
            exported).isEmpty();
      } finally {
        operator.stop();
      }
    }
  }
}
