package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A cluster without cert-manager: the operator starts, says why TLS waits, and heals later. */
class CertManagerMissingTest {

  static MockCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new MockCluster(false).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String condition(String name, String type) {
    var r = cluster.client.resources(SecureRegistry.class).inNamespace("apps").withName(name).get();
    return r == null || r.getStatus() == null ? "" : r.getStatus().condition(type)
        .map(c -> c.getStatus() + " " + c.getReason() + ": " + c.getMessage()).orElse("");
  }

  @Test
  void tlsWaitsForCertManagerWhilePlainHttpRuns() {
    cluster.client.resource(Registries.basic("apps", "secure")).create();
    cluster.client.resource(Registries.tls(Registries.basic("apps", "plain"), TlsSpec.Mode.Disabled))
        .create();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(condition("secure", ConditionTypes.CERTIFICATES_READY)).isEqualTo(
          "False CertManagerMissing: cert-manager CRDs are not installed"
              + " (certificates.cert-manager.io): install cert-manager, or set tls.mode: Disabled");
      assertThat(cluster.client.resources(Deployment.class).inNamespace("apps").withName("plain")
          .get()).isNotNull();
    });
    assertThat(cluster.client.resources(Deployment.class).inNamespace("apps").withName("secure")
        .get()).isNull();

    // installing cert-manager heals the waiting registry on its next look (RETRY), without restart
    cluster.installCertManager();
    cluster.client.resources(SecureRegistry.class).inNamespace("apps").withName("secure")
        .edit(r -> {
          r.getMetadata().setLabels(java.util.Map.of("nudge", "1"));
          r.getSpec().replicas = 1; // a spec change: a new generation is reconciled at once
          return r;
        });
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(cluster.client.resources(Deployment.class).inNamespace("apps")
          .withName("secure").get()).isNotNull();
      assertThat(condition("secure", ConditionTypes.CERTIFICATES_READY)).startsWith("True");
    });
  }
}
