package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.GarbageCollectionSpec;
import dev.portcullis.operator.api.NetworkPolicySpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PodDisruptionBudget, NetworkPolicy and the GC CronJob come and go with the spec. */
class ProductionPartsTest {

  static MockCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    cluster = new MockCluster(true).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T get(Class<T> t, String ns,
      String name) {
    return cluster.client.resources(t).inNamespace(ns).withName(name).get();
  }

  @Test
  void optionalPartsFollowTheSpec() {
    String ns = "prod1";
    var r = Registries.basic(ns, "reg");
    r.getSpec().replicas = 2;
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    r.getSpec().networkPolicy = new NetworkPolicySpec();
    r.getSpec().networkPolicy.enabled = true;
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    r.getSpec().garbageCollection.deleteUntagged = true;
    cluster.client.resource(r).create();

    await().untilAsserted(() -> {
      assertThat(get(PodDisruptionBudget.class, ns, "reg").getSpec().getMaxUnavailable()
          .getIntVal()).isEqualTo(1);
      var np = get(NetworkPolicy.class, ns, "reg");
      assertThat(np.getSpec().getIngress()).singleElement().satisfies(i -> assertThat(
          i.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal())
              .isEqualTo(5000)));
      var cron = get(CronJob.class, ns, "reg-gc");
      assertThat(cron.getSpec().getSchedule()).isEqualTo("0 3 * * 0");
      assertThat(cron.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
      var pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers().get(0).getArgs()).containsExactly("garbage-collect",
          "/etc/portcullis/config/config.yml", "--delete-untagged");
      // a Job's container serves nothing: no probe (the registry's startup probe would fail it)
      assertThat(pod.getContainers().get(0).getStartupProbe()).isNull();
      assertThat(pod.getContainers().get(0).getLivenessProbe()).isNull();
      assertThat(pod.getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
          && "reg-data".equals(v.getPersistentVolumeClaim().getClaimName()));
    });

    await().untilAsserted(() -> { // retried on conflicts with the operator's status writes
      var current = get(SecureRegistry.class, ns, "reg");
      current.getSpec().replicas = 1;
      current.getSpec().networkPolicy = null;
      current.getSpec().garbageCollection = null;
      cluster.client.resource(current).update();
    });
    await().untilAsserted(() -> {
      assertThat(get(PodDisruptionBudget.class, ns, "reg")).isNull();
      assertThat(get(NetworkPolicy.class, ns, "reg")).isNull();
      assertThat(get(CronJob.class, ns, "reg-gc")).isNull();
    });
    assertThat(get(PersistentVolumeClaim.class, ns, "reg-data")).isNotNull();
  }
}
