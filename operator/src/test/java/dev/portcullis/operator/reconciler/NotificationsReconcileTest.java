package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.HealthStatus;
import dev.portcullis.operator.api.NotificationEndpointSpec;
import dev.portcullis.operator.api.NotificationsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.model.MountedSecretsFingerprint;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * spec.notifications through the reconciler: a missing header Secret is a condition naming it, the
 * Secret's arrival and change reconcile and roll the pods (the fingerprint annotation), and a
 * failing notifications_NAME check on /readyz is NotificationsDegraded while Ready stays True.
 */
class NotificationsReconcileTest {

  static MockCluster cluster;
  /** The message of the endpoint's check, or null while it passes. */
  static final AtomicReference<String> FAILING = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    MockCluster.PROBER.set(target -> {
      var h = new HealthStatus();
      h.lastProbeTime = "2026-01-01T00:00:00Z";
      h.status = "ok";
      h.latencyMillis = 3L;
      var storage = new HealthStatus.Check();
      storage.name = "storagedriver_filesystem";
      storage.status = "ok";
      var ci = new HealthStatus.Check();
      ci.name = "notifications_ci";
      ci.status = FAILING.get() == null ? "ok" : "failing";
      ci.message = FAILING.get();
      h.checks = List.of(storage, ci);
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
  void secretsAreWatchedAndAFailingEndpointIsAWarningNotAnOutage() {
    String ns = "notify1";
    var client = cluster.client;
    var r = Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.TLS);
    var ci = new NotificationEndpointSpec();
    ci.name = "ci";
    ci.url = "https://hooks.example.com/registry";
    var authz = new NotificationEndpointSpec.HeaderFrom();
    authz.name = "Authorization";
    authz.secretKeyRef = new NotificationEndpointSpec.SecretKey();
    authz.secretKeyRef.name = "hook-token";
    authz.secretKeyRef.key = "authorization";
    ci.headersFrom = List.of(authz);
    r.getSpec().notifications = new NotificationsSpec();
    r.getSpec().notifications.endpoints = List.of(ci);
    client.resource(r).create();

    await().untilAsserted(() -> {
      var now = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      var available = now.getStatus().condition(ConditionTypes.AVAILABLE).orElseThrow();
      assertThat(available.getReason()).isEqualTo("SecretNotFound");
      assertThat(available.getMessage()).isEqualTo("Secret hook-token not found"
          + " (spec.notifications.endpoints[ci].headersFrom[Authorization])");
    });

    client.resource(Registries.secret(ns, "hook-token",
        Map.of("authorization", "Bearer first"))).create();
    await().until(() -> annotation(ns) != null);
    String first = annotation(ns);
    assertThat(client.resources(Deployment.class).inNamespace(ns).withName("reg").get().getSpec()
        .getTemplate().toString()).doesNotContain("Bearer first");

    client.resource(Registries.secret(ns, "hook-token",
        Map.of("authorization", "Bearer second"))).update();
    await().until(() -> annotation(ns) != null && !annotation(ns).equals(first));
    var d = client.resources(Deployment.class).inNamespace(ns).withName("reg").get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1)
        .withAvailableReplicas(1).withObservedGeneration(d.getMetadata().getGeneration()).build());
    client.resource(d).updateStatus();

    FAILING.set("endpoint ci failed 10 deliveries in a row, retrying with backoff: answered 503");
    nudge(ns);
    await().untilAsserted(() -> {
      var now = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      var degraded = now.getStatus().condition(ConditionTypes.NOTIFICATIONS_DEGRADED)
          .orElseThrow(() -> new AssertionError(now.getStatus().conditions));
      assertThat(degraded.getStatus()).isEqualTo("True");
      assertThat(degraded.getReason()).isEqualTo("EndpointFailing");
      assertThat(degraded.getMessage()).startsWith("notification endpoint ci (endpoint ci failed 10"
          + " deliveries in a row, retrying with backoff: answered 503): events wait");
      assertThat(now.getStatus().condition(ConditionTypes.READY).orElseThrow().getStatus())
          .isEqualTo("True");
    });

    FAILING.set(null);
    nudge(ns);
    await().untilAsserted(() -> {
      var now = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      var degraded = now.getStatus().condition(ConditionTypes.NOTIFICATIONS_DEGRADED).orElseThrow();
      assertThat(degraded.getStatus()).isEqualTo("False");
      assertThat(degraded.getMessage()).isEqualTo("1 notification endpoint accepting deliveries");
    });
  }

  private static String annotation(String ns) {
    var d = cluster.client.resources(Deployment.class).inNamespace(ns).withName("reg").get();
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations()
        .get(MountedSecretsFingerprint.ANNOTATION);
  }

  /** The next probe comes on schedule; a spec change brings it sooner. */
  private static void nudge(String ns) {
    await().untilAsserted(() -> {
      var r = cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      r.getSpec().host = List.of("reg-" + System.nanoTime() % 1000 + ".example.com");
      cluster.client.resource(r).update();
    });
  }
}
