package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: a registry whose pods cannot start says which pod and why. The pods are written as a
 * kubelet writes them (status by the status subresource); the operator sees each change through
 * its pod informer, without waiting for a periodic look.
 */
class PodTroublesReconcileTest {

  private MockCluster cluster;

  @Test
  void theStatusFollowsThePodsOfTheRegistryAndOnlyThose() throws Exception {
    try (var started = new MockCluster(false).startOperator()) {
      cluster = started;
      follow();
    }
  }

  private void follow() {
    var r = Registries.tls(Registries.basic("apps", "reg"), TlsSpec.Mode.Disabled);
    cluster.client.resource(r).create();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
        cluster.client.resources(Deployment.class).inNamespace("apps").withName("reg").get())
        .isNotNull());

    // another registry's pod and this registry's garbage-collection Job are not its trouble
    var other = Registries.tls(Registries.basic("apps", "other"), TlsSpec.Mode.Disabled);
    write(pod("other-5c4b-zzzzz", Names.labels(other)), imagePull("ErrImagePull"));
    var gcLabels = new java.util.LinkedHashMap<>(Names.labels(r));
    gcLabels.put(Names.COMPONENT_LABEL, "garbage-collection");
    write(pod("reg-gc-29001-xxxxx", gcLabels), new ContainerStatusBuilder().withName("registry")
        .withNewState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated()
        .endState().build());

    write(pod("reg-7d9f-abcde", Names.labels(r)), new ContainerStatusBuilder()
        .withName("registry").withRestartCount(3).withReady(false)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
          .withMessage("back-off 40s restarting failed container").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(2).withReason("Error")
          .withMessage("config /etc/portcullis/config/config.yml: storage: no driver\n")
        .endTerminated().endLastState().build());
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(condition("reg", ConditionTypes.READY)).isEqualTo("False CrashLoopBackOff: pod"
          + " reg-7d9f-abcde container registry: CrashLoopBackOff (exit 2): config"
          + " /etc/portcullis/config/config.yml: storage: no driver");
      assertThat(condition("reg", ConditionTypes.AVAILABLE)).isEqualTo("False"
          + " NoReplicasAvailable: 0/1 replicas ready: pod reg-7d9f-abcde container registry:"
          + " CrashLoopBackOff (exit 2): config /etc/portcullis/config/config.yml: storage: no"
          + " driver");
    });

    // the next pod cannot pull its image: the informer brings the change, no periodic look needed
    write(pod("reg-7d9f-abcde", Names.labels(r)), imagePull("ImagePullBackOff"));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
        condition("reg", ConditionTypes.READY)).isEqualTo("False ImagePullBackOff: pod"
            + " reg-7d9f-abcde container registry: ImagePullBackOff: image"
            + " ghcr.io/example/nope:1: Back-off pulling image \"ghcr.io/example/nope:1\""));

    // the Deployment controller gives up: Stalled, until the Deployment progresses again
    progressing("False", "ProgressDeadlineExceeded",
        "ReplicaSet \"reg-7d9f\" has timed out progressing.");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(condition("reg", ConditionTypes.STALLED)).isEqualTo("True"
          + " ProgressDeadlineExceeded: Deployment reg: ReplicaSet \"reg-7d9f\" has timed out"
          + " progressing.; pod reg-7d9f-abcde container registry: ImagePullBackOff: image"
          + " ghcr.io/example/nope:1: Back-off pulling image \"ghcr.io/example/nope:1\"");
      assertThat(condition("reg", ConditionTypes.RECONCILING)).startsWith("False Stalled");
    });
    progressing("True", "ReplicaSetUpdated", "ReplicaSet \"reg-8e0a\" is progressing.");
    cluster.client.pods().inNamespace("apps").withName("reg-7d9f-abcde").delete();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(condition("reg", ConditionTypes.STALLED)).startsWith("False NothingBlocks");
      assertThat(condition("reg", ConditionTypes.READY)).doesNotContain("pod ");
    });
  }

  private static ContainerStatus imagePull(String reason) {
    return new ContainerStatusBuilder().withName("registry").withImage("ghcr.io/example/nope:1")
        .withReady(false).withRestartCount(0).withNewState().withNewWaiting().withReason(reason)
        .withMessage("Back-off pulling image \"ghcr.io/example/nope:1\"").endWaiting().endState()
        .build();
  }

  private static Pod pod(String name, Map<String, String> labels) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("apps")
        .withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("registry").withImage("ghcr.io/example/nope:1")
        .endContainer().endSpec().build();
  }

  /** Creates the pod if need be, then writes its status as the kubelet does. */
  private void write(Pod pod, ContainerStatus status) {
    var pods = cluster.client.pods().inNamespace("apps");
    Pod live = pods.withName(pod.getMetadata().getName()).get();
    if (live == null) {
      live = pods.resource(pod).create();
    }
    live.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
        .withContainerStatuses(status).build());
    pods.resource(live).updateStatus();
  }

  private void progressing(String status, String reason, String message) {
    var deployments = cluster.client.resources(Deployment.class).inNamespace("apps");
    var d = deployments.withName("reg").get();
    d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
        .withObservedGeneration(d.getMetadata().getGeneration()).withReplicas(1)
        .withUpdatedReplicas(1).withUnavailableReplicas(1)
        .withConditions(new DeploymentConditionBuilder().withType("Progressing")
            .withStatus(status).withReason(reason).withMessage(message).build())
        .build());
    deployments.resource(d).updateStatus();
  }

  private String condition(String name, String type) {
    return SecureRegistryOperatorTest.condition(cluster.client.resources(SecureRegistry.class)
        .inNamespace("apps").withName(name).get(), type);
  }
}
