package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.HealthStatus;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The probe's result reaches status.health and the Healthy condition; Ready waits for it. */
class HealthStatusTest {

  static MockCluster cluster;
  static final AtomicReference<String> ANSWER = new AtomicReference<>("unhealthy");
  static final List<HealthProber.Target> TARGETS = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    MockCluster.PROBER.set(target -> {
      TARGETS.add(target);
      var h = new HealthStatus();
      h.lastProbeTime = "2026-01-01T00:00:00Z";
      h.status = ANSWER.get();
      h.latencyMillis = 3L;
      var check = new HealthStatus.Check();
      check.name = "storagedriver";
      check.status = ANSWER.get().equals("ok") ? "ok" : "failing";
      check.message = ANSWER.get().equals("ok") ? null : "disk full";
      h.checks = List.of(check);
      return h;
    });
    cluster = new MockCluster(true).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
    MockCluster.PROBER.set(HealthProber.NONE);
  }

  @Test
  void unhealthyKeepsReadyFalseAndOkMakesItTrue() {
    String ns = "health1";
    var client = cluster.client;
    client.resource(Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.MutualTLS)).create();
    await().until(() -> client.resources(Deployment.class).inNamespace(ns).withName("reg").get()
        != null && client.secrets().inNamespace(ns).withName("reg-client-probe").get() != null);
    var d = client.resources(Deployment.class).inNamespace(ns).withName("reg").get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1)
        .withAvailableReplicas(1).withObservedGeneration(d.getMetadata().getGeneration()).build());
    client.resource(d).updateStatus();

    await().untilAsserted(() -> {
      var r = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      assertThat(r.getStatus().health.status).isEqualTo("unhealthy");
      var healthy = r.getStatus().condition(ConditionTypes.HEALTHY).orElseThrow();
      assertThat(healthy.getStatus()).isEqualTo("False");
      assertThat(healthy.getMessage()).contains("storagedriver (disk full)");
      assertThat(r.getStatus().condition(ConditionTypes.READY).orElseThrow().getReason())
          .isEqualTo("HealthyFalse");
    });
    var target = TARGETS.get(TARGETS.size() - 1);
    assertThat(target.url().toString()).isEqualTo("https://reg." + ns + ".svc:5000/readyz");
    assertThat(target.clientCertificatePem()).isPresent();
    assertThat(target.caPem()).contains("BEGIN CERTIFICATE");

    ANSWER.set("ok");
    // the next probe comes on schedule; a spec change brings it sooner
    await().untilAsserted(() -> {
      var r = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      r.getSpec().host = List.of("reg.example.com");
      client.resource(r).update();
    });
    await().untilAsserted(() -> {
      var now = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      assertThat(now.getStatus().condition(ConditionTypes.HEALTHY).orElseThrow().getStatus())
          .isEqualTo("True");
    });
  }
}
