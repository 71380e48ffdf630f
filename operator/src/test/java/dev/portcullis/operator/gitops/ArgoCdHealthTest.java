package dev.portcullis.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.HealthStatus;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kstatus conditions the operator writes as a registry goes through its life, and what
 * docs/gitops.md's Argo CD health check makes of each status: the statuses are the operator's own,
 * read back from the (mock) API server after its reconciles.
 */
class ArgoCdHealthTest {

  static MockCluster cluster;
  static ArgoCdHealthCheck argo;
  /** What the registry's /readyz answers the operator's probe. */
  static final AtomicReference<String> READYZ = new AtomicReference<>("ok");

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    MockCluster.PROBER.set(target -> {
      var h = new HealthStatus();
      h.lastProbeTime = "2026-01-01T00:00:00Z";
      h.status = READYZ.get();
      h.latencyMillis = 2L;
      var check = new HealthStatus.Check();
      check.name = "storagedriver_filesystem";
      check.status = READYZ.get().equals("ok") ? "ok" : "failing";
      check.message = READYZ.get().equals("ok") ? null : "disk full";
      h.checks = List.of(check);
      return h;
    });
    cluster = new MockCluster(true).startOperator();
    argo = new ArgoCdHealthCheck();
  }

  @AfterAll
  static void stop() {
    cluster.close();
    MockCluster.PROBER.set(HealthProber.NONE);
  }

  static SecureRegistry get(String ns, String name) {
    return cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName(name).get();
  }

  static String condition(SecureRegistry r, String type) {
    return r.getStatus().condition(type)
        .map(c -> c.getStatus() + " " + c.getReason() + " @" + c.getObservedGeneration())
        .orElse("absent");
  }

  /**
   * The Deployment controller's report: {@code updated} of {@code replicas} pods run the latest
   * template, {@code available} of them are available.
   */
  static void rollout(String ns, String name, int replicas, int updated, int available) {
    var d = cluster.client.resources(Deployment.class).inNamespace(ns).withName(name).get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withUpdatedReplicas(updated)
        .withReadyReplicas(available).withAvailableReplicas(available)
        .withObservedGeneration(d.getMetadata().getGeneration()).build());
    cluster.client.resource(d).updateStatus();
  }

  @Test
  void aRegistryIsProgressingThenHealthyThenDegradedWhileItsProbeFails() {
    String ns = "argo1";
    READYZ.set("ok");
    cluster.client.resource(Registries.basic(ns, "reg")).create();
    await().until(() -> cluster.client.resources(Deployment.class).inNamespace(ns)
        .withName("reg").get() != null);

    // created, nothing running yet
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(r.getStatus().observedGeneration).isEqualTo(r.getMetadata().getGeneration());
      assertThat(condition(r, ConditionTypes.RECONCILING)).startsWith("True ");
      assertThat(condition(r, ConditionTypes.STALLED)).isEqualTo("False NothingBlocks @1");
      assertThat(condition(r, ConditionTypes.READY)).startsWith("False ");
      assertThat(argo.evaluate(r).status()).isEqualTo("Progressing");
    });

    // a rolling update half done: one new pod of two, an old one still serving
    // a patch of the spec, as kubectl sends it: the status stays the operator's
    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").edit(r -> {
      r.getSpec().replicas = 2;
      r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
      return r;
    });
    await().until(() -> cluster.client.resources(Deployment.class).inNamespace(ns)
        .withName("reg").get().getSpec().getReplicas() == 2);
    rollout(ns, "reg", 3, 1, 2);
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(r.getStatus().observedGeneration).isEqualTo(2L);
      assertThat(condition(r, ConditionTypes.RECONCILING)).isEqualTo("True RollingOut @2");
      assertThat(r.getStatus().condition(ConditionTypes.RECONCILING).orElseThrow().getMessage())
          .isEqualTo("Deployment reg: 1/2 replicas updated");
      var health = argo.evaluate(r);
      assertThat(health.status()).isEqualTo("Progressing");
      assertThat(health.message()).isEqualTo("RollingOut: Deployment reg: 1/2 replicas updated");
    });

    // rolled out and probed ok
    rollout(ns, "reg", 2, 2, 2);
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.READY)).isEqualTo("True Ready @2");
      assertThat(condition(r, ConditionTypes.RECONCILING)).isEqualTo("False RolledOut @2");
      assertThat(condition(r, ConditionTypes.STALLED)).isEqualTo("False NothingBlocks @2");
      var health = argo.evaluate(r);
      assertThat(health.status()).isEqualTo("Healthy");
      assertThat(health.message()).isEqualTo("Ready: serving at reg." + ns + ".svc:5000");
    });

    // the next spec is not observed yet: whatever the conditions say, it is in progress
    var edited = get(ns, "reg");
    edited.getMetadata().setGeneration(edited.getMetadata().getGeneration() + 1);
    assertThat(argo.evaluate(edited)).isEqualTo(new ArgoCdHealthCheck.Health("Progressing",
        "Waiting for the Portcullis operator to observe generation 3"));

    // serving, but its storage health check fails: Degraded, and kstatus keeps waiting
    READYZ.set("unhealthy");
    // a spec change that changes no object: the operator looks (and probes) again at once
    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").edit(r -> {
      r.getSpec().monitoring = new dev.portcullis.operator.api.MonitoringSpec();
      return r;
    });
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.HEALTHY)).startsWith("False ProbeFailed");
      assertThat(condition(r, ConditionTypes.READY)).startsWith("False HealthyFalse");
      assertThat(condition(r, ConditionTypes.RECONCILING)).startsWith("True HealthyFalse");
      var health = argo.evaluate(r);
      assertThat(health.status()).isEqualTo("Degraded");
      assertThat(health.message())
          .isEqualTo("ProbeFailed: /readyz unhealthy; failing: storagedriver_filesystem (disk full)");
    });
  }

  @Test
  void aMissingSecretStallsTheRegistryAndArgoCdShowsWhatToFix() {
    String ns = "argo2";
    cluster.client.resource(Registries.htpasswd(ns, "reg", "rackham")).create();
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.STALLED)).isEqualTo("True SecretNotFound @1");
      assertThat(condition(r, ConditionTypes.RECONCILING)).isEqualTo("False Stalled @1");
      var health = argo.evaluate(r);
      assertThat(health.status()).isEqualTo("Degraded");
      assertThat(health.message()).startsWith("SecretNotFound: ").contains("rackham-password");
    });

    // the Secret appears: the registry goes on, and Stalled says so
    cluster.client.resource(Registries.password(ns, "rackham", "s3cret-Rackham")).create();
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.STALLED)).isEqualTo("False NothingBlocks @1");
      assertThat(argo.evaluate(r).status()).isEqualTo("Progressing");
    });
  }

  @Test
  void aRegistryScaledToZeroIsSuspended() {
    String ns = "argo3";
    var zero = Registries.basic(ns, "reg");
    zero.getSpec().replicas = 0;
    cluster.client.resource(zero).create();
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.RECONCILING)).isEqualTo("False ScaledToZero @1");
      assertThat(condition(r, ConditionTypes.READY)).startsWith("False ");
      assertThat(argo.evaluate(r).status()).isEqualTo("Suspended");
    });
  }

  @Test
  void aRegistryWithoutStatusIsProgressing() {
    assertThat(argo.evaluate(Registries.basic("argo4", "new")).status()).isEqualTo("Progressing");
  }
}
