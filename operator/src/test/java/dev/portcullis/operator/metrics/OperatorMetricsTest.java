package dev.portcullis.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.OperatorMain;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's /metrics as the jar wires it (JOSDK's per-resource Micrometer metrics plus
 * {@link RegistryMetrics}, one Prometheus registry), scraped while registries are ready, stalled
 * and failing: the series the monitoring bundle's alerts and dashboard name are there.
 */
class OperatorMetricsTest {

  static MockCluster cluster;
  static Operator operator;
  static final PrometheusMeterRegistry PROMETHEUS =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  static final String NS = "metered";

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    cluster = new MockCluster(true);
    cluster.reconciler.metrics().publishTo(PROMETHEUS);
    operator = OperatorMain.start(cluster.client, cluster.reconciler, Set.of(), o -> o
        .withInformerStoppedHandler(OperatorMain.LOG_INFORMER_STOP)
        .withMetrics(MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(PROMETHEUS)
            .build()));
  }

  @AfterAll
  static void stop() {
    operator.stop();
    cluster.close();
  }

  static String series(String name, String labels) {
    return name + "{" + labels + "}";
  }

  /** The value of the one sample of {@code name} carrying all of {@code labels}, or null. */
  static Double value(String scrape, String name, String... labels) {
    for (String line : scrape.split("\n")) {
      if (!line.startsWith(name + "{")) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= line.contains(l);
      }
      if (all) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return null;
  }

  @Test
  void readyStalledAndFailingRegistriesAreToldApart() throws Exception {
    var good = Registries.tls(Registries.basic(NS, "good"), TlsSpec.Mode.Disabled);
    cluster.client.resource(good).create();
    cluster.client.resource(Registries.htpasswd(NS, "stalled", "nobody")).create();
    // an object of the registry's Service name that Portcullis did not make: every reconcile fails
    cluster.client.resource(new ServiceBuilder().withNewMetadata().withName("clash")
        .withNamespace(NS).endMetadata().withNewSpec().addNewPort().withPort(80).endPort()
        .endSpec().build()).create();
    cluster.client.resource(Registries.tls(Registries.basic(NS, "clash"), TlsSpec.Mode.Disabled))
        .create();
    await().until(() -> cluster.client.resources(Deployment.class).inNamespace(NS)
        .withName("good").get() != null);
    var d = cluster.client.resources(Deployment.class).inNamespace(NS).withName("good").get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withUpdatedReplicas(1)
        .withReadyReplicas(1).withAvailableReplicas(1)
        .withObservedGeneration(d.getMetadata().getGeneration()).build());
    cluster.client.resource(d).updateStatus();

    String condition = "portcullis_operator_registry_condition";
    await().untilAsserted(() -> {
      String scrape = PROMETHEUS.scrape();
      assertThat(value(scrape, condition, "name=\"good\"", "condition=\"Ready\"")).isEqualTo(1.0);
      assertThat(value(scrape, condition, "name=\"good\"", "condition=\"Reconciling\""))
          .isEqualTo(0.0);
      assertThat(value(scrape, condition, "name=\"stalled\"", "condition=\"Stalled\""))
          .isEqualTo(1.0);
      assertThat(value(scrape, condition, "name=\"stalled\"", "condition=\"Ready\""))
          .isEqualTo(0.0);
      assertThat(value(scrape, condition, "name=\"clash\"", "condition=\"Reconciling\""))
          .isEqualTo(1.0);
      assertThat(value(scrape, "portcullis_operator_reconcile_errors_total", "name=\"clash\"",
          "namespace=\"" + NS + "\"")).isGreaterThanOrEqualTo(1.0);
      assertThat(value(scrape, "portcullis_operator_reconcile_errors_total", "name=\"good\""))
          .isEqualTo(0.0);
    });

    // what the alerts and the dashboard of the monitoring bundle may name, from this scrape
    String scrape = PROMETHEUS.scrape();
    var names = new TreeSet<String>();
    var metric = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");
    for (String line : scrape.split("\n")) {
      var m = metric.matcher(line);
      if (!line.startsWith("#") && m.find()) {
        names.add(m.group(1));
      }
    }
    Files.write(Path.of("target", "operator-metric-names.txt"), names);
    assertThat(names).contains(
        "portcullis_operator_registry_condition",
        "portcullis_operator_reconcile_errors_total");

    // a deleted registry's series go with it
    cluster.client.resources(SecureRegistry.class).inNamespace(NS).withName("good").delete();
    // (JOSDK removes its own per-resource series later, on a delay of its own)
    await().untilAsserted(() -> assertThat(PROMETHEUS.scrape().lines()
        .filter(l -> l.startsWith("portcullis_operator_")))
        .noneMatch(l -> l.contains("name=\"good\""))
        .anyMatch(l -> l.contains("name=\"stalled\"")));
  }
}
