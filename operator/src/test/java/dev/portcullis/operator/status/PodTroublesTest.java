package dev.portcullis.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Problem;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a pod's status says about why it does not run, as the registry's conditions repeat it. */
class PodTroublesTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void crashLoopBackOffNamesThePodTheContainerTheExitCodeAndTheLastLogLines() {
    var pod = pod("reg-7d9f-abcde", crashLoop("registry", 2,
        "starting\nconfig /etc/registry/config.yml: storage: unknown driver \"s4\"\n"));
    var t = PodTroubles.of(List.of(pod));
    assertThat(t).hasSize(1);
    assertThat(t.get(0).reason()).isEqualTo("CrashLoopBackOff");
    assertThat(t.get(0).message()).isEqualTo("pod reg-7d9f-abcde container registry:"
        + " CrashLoopBackOff (exit 2): starting | config /etc/registry/config.yml: storage:"
        + " unknown driver \"s4\"");
  }

  @Test
  void aCrashWithoutATerminationMessageGivesTheTerminationReason() {
    var status = new ContainerStatusBuilder().withName("registry").withRestartCount(4)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
          .withMessage("back-off 40s restarting failed container").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error")
          .endTerminated().endLastState().build();
    assertThat(PodTroubles.of(List.of(pod("reg-a", status))).get(0).message())
        .isEqualTo("pod reg-a container registry: CrashLoopBackOff (exit 1): Error");
  }

  @Test
  void aLongTerminationMessageKeepsItsEndWhereTheFatalLineIs() {
    String log = "x".repeat(5000) + "\nFATAL: cannot bind :5000";
    String message = PodTroubles.of(List.of(pod("reg-a", crashLoop("registry", 1, log))))
        .get(0).message();
    assertThat(message).endsWith("FATAL: cannot bind :5000").contains("...");
    assertThat(message.length()).isLessThan(PodTroubles.MAX_DETAIL + 100);
  }

  @Test
  void anImageThatCannotBePulledIsNamed() {
    for (String reason : List.of("ErrImagePull", "ImagePullBackOff")) {
      var status = new ContainerStatusBuilder().withName("registry")
          .withImage("ghcr.io/example/nope:1").withNewState().withNewWaiting().withReason(reason)
          .withMessage("Back-off pulling image \"ghcr.io/example/nope:1\"").endWaiting()
          .endState().build();
      var t = PodTroubles.of(List.of(pod("reg-b", status))).get(0);
      assertThat(t.reason()).isEqualTo(reason);
      assertThat(t.message()).isEqualTo("pod reg-b container registry: " + reason
          + ": image ghcr.io/example/nope:1: Back-off pulling image \"ghcr.io/example/nope:1\"");
    }
  }

  @Test
  void anImageMissingFromTheStatusIsTakenFromThePodSpec() {
    var status = new ContainerStatusBuilder().withName("registry").withNewState().withNewWaiting()
        .withReason("ErrImagePull").endWaiting().endState().build();
    assertThat(PodTroubles.of(List.of(pod("reg-b", status))).get(0).message())
        .isEqualTo("pod reg-b container registry: ErrImagePull: image portcullis-registry:test");
  }

  @Test
  void aContainerTheKubeletCannotCreateSaysWhy() {
    var config = new ContainerStatusBuilder().withName("auth-server").withNewState()
        .withNewWaiting().withReason("CreateContainerConfigError")
        .withMessage("couldn't find key password in Secret registries/ldap-bind").endWaiting()
        .endState().build();
    var t = PodTroubles.of(List.of(pod("reg-auth-1", config))).get(0);
    assertThat(t.reason()).isEqualTo("CreateContainerConfigError");
    assertThat(t.message()).isEqualTo("pod reg-auth-1 container auth-server:"
        + " CreateContainerConfigError: couldn't find key password in Secret registries/ldap-bind");
    var create = new ContainerStatusBuilder().withName("registry").withNewState()
        .withNewWaiting().withReason("CreateContainerError").withMessage("no such file").endWaiting()
        .endState().build();
    assertThat(PodTroubles.of(List.of(pod("reg-c", create))).get(0).reason())
        .isEqualTo("CreateContainerError");
  }

  @Test
  void anOomKilledContainerIsToldItsMemoryLimit() {
    var crashing = new ContainerStatusBuilder().withName("registry").withRestartCount(3)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(137).withReason("OOMKilled")
          .endTerminated().endLastState().build();
    var pod = pod("reg-d", crashing);
    pod.getSpec().getContainers().get(0).setResources(new io.fabric8.kubernetes.api.model
        .ResourceRequirementsBuilder().withLimits(Map.of("memory", new Quantity("256Mi")))
        .build());
    var t = PodTroubles.of(List.of(pod)).get(0);
    assertThat(t.reason()).isEqualTo("OOMKilled");
    assertThat(t.message()).isEqualTo("pod reg-d container registry: OOMKilled (exit 137); its"
        + " memory limit is 256Mi: raise resources.limits.memory");
    var justKilled = new ContainerStatusBuilder().withName("registry").withNewState()
        .withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated().endState()
        .build();
    assertThat(PodTroubles.of(List.of(pod("reg-e", justKilled))).get(0).message())
        .isEqualTo("pod reg-e container registry: OOMKilled (exit 137); it has no memory limit:"
            + " the node ran out of memory");
  }

  @Test
  void anUnschedulablePodGivesTheSchedulersMessage() {
    var pod = new PodBuilder(pod("reg-f")).editStatus().withPhase("Pending").addNewCondition()
        .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/3 nodes are available: 3 Insufficient memory.").endCondition()
        .endStatus().build();
    var t = PodTroubles.of(List.of(pod)).get(0);
    assertThat(t.reason()).isEqualTo("Unschedulable");
    assertThat(t.message())
        .isEqualTo("pod reg-f: Unschedulable: 0/3 nodes are available: 3 Insufficient memory.");
  }

  @Test
  void runningStartingAndDeletedPodsAreNoTrouble() {
    var running = new ContainerStatusBuilder().withName("registry").withReady(true)
        .withNewState().withNewRunning().withStartedAt("2026-01-01T00:00:00Z").endRunning()
        .endState().build();
    var creating = new ContainerStatusBuilder().withName("registry").withNewState()
        .withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build();
    var deleted = new PodBuilder(pod("reg-z", crashLoop("registry", 2, "bye"))).editMetadata()
        .withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build();
    assertThat(PodTroubles.of(List.of(pod("reg-a", running), pod("reg-b", creating), deleted,
        pod("reg-c")))).isEmpty();
  }

  @Test
  void severalTroubledPodsGiveTheFirstByNameAndHowManyMore() {
    var pods = List.of(pod("reg-c", crashLoop("registry", 2, "c")),
        pod("reg-a", crashLoop("registry", 2, "a")), pod("reg-b", crashLoop("registry", 2, "b")));
    assertThat(PodTroubles.summary(PodTroubles.of(pods)).orElseThrow().message())
        .isEqualTo("pod reg-a container registry: CrashLoopBackOff (exit 2): a (and 2 more pods)");
  }

  @Test
  void theReadyConditionNamesThePodAndWhy() {
    var r = registry();
    var seen = new Observed(deployment(null), null, null, null, null, List.of(),
        List.of(pod("reg-7d9f-abcde", crashLoop("registry", 2, "config: bad"))));
    var status = StatusAggregator.aggregate(r, seen, List.of(), T0);
    assertThat(line(status, ConditionTypes.READY)).isEqualTo("False CrashLoopBackOff: pod"
        + " reg-7d9f-abcde container registry: CrashLoopBackOff (exit 2): config: bad");
    assertThat(line(status, ConditionTypes.AVAILABLE)).isEqualTo("False NoReplicasAvailable: 0/1"
        + " replicas ready: pod reg-7d9f-abcde container registry: CrashLoopBackOff (exit 2):"
        + " config: bad");
    assertThat(line(status, ConditionTypes.STALLED)).startsWith("False NothingBlocks");
    // a spec problem comes first: it is the person's to fix, and may be the cause
    var withProblem = StatusAggregator.aggregate(r, seen, List.of(new Problem(
        ConditionTypes.AUTH_READY, "SecretNotFound", "Secret x not found")), T0);
    assertThat(line(withProblem, ConditionTypes.READY)).startsWith("False AuthReadyFalse");
  }

  @Test
  void anIssuerThatCannotStartMakesTheRegistryNotReadyButNotUnavailable() {
    var issuer = new PodBuilder(pod("reg-auth-server-6b8f-qwert", new ContainerStatusBuilder()
        .withName("auth-server").withNewState().withNewWaiting()
        .withReason("CreateContainerConfigError").withMessage("secret \"ldap\" not found")
        .endWaiting().endState().build())).editMetadata()
        .addToLabels(dev.portcullis.operator.model.Names.NAME_LABEL, "portcullis-auth-server")
        .endMetadata().build();
    var status = StatusAggregator.aggregate(registry(), new Observed(deployment(null), null, null,
        null, null, List.of(), List.of(issuer)), List.of(), T0);
    assertThat(line(status, ConditionTypes.READY)).isEqualTo("False CreateContainerConfigError:"
        + " pod reg-auth-server-6b8f-qwert container auth-server: CreateContainerConfigError:"
        + " secret \"ldap\" not found");
    assertThat(line(status, ConditionTypes.AVAILABLE)).endsWith("see kubectl describe pods -l"
        + " app.kubernetes.io/instance=reg");
  }

  @Test
  void aDeploymentPastItsProgressDeadlineStallsTheRegistryUntilItProgresses() {
    var r = registry();
    var troubled = List.of(pod("reg-x", crashLoop("registry", 2, "config: bad")));
    var stuck = StatusAggregator.aggregate(r, new Observed(deployment(new io.fabric8.kubernetes
        .api.model.apps.DeploymentConditionBuilder().withType("Progressing").withStatus("False")
        .withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet \"reg-7d9f\" has timed out progressing.").build()),
        null, null, null, null, List.of(), troubled), List.of(), T0);
    assertThat(line(stuck, ConditionTypes.STALLED)).isEqualTo("True ProgressDeadlineExceeded:"
        + " Deployment reg: ReplicaSet \"reg-7d9f\" has timed out progressing.; pod reg-x"
        + " container registry: CrashLoopBackOff (exit 2): config: bad");
    assertThat(line(stuck, ConditionTypes.RECONCILING)).startsWith("False Stalled");
    r.setStatus(stuck);
    var moving = StatusAggregator.aggregate(r, new Observed(deployment(new io.fabric8.kubernetes
        .api.model.apps.DeploymentConditionBuilder().withType("Progressing").withStatus("True")
        .withReason("ReplicaSetUpdated").build()), null, null, null, null, List.of(), troubled),
        List.of(), T0);
    assertThat(line(moving, ConditionTypes.STALLED)).startsWith("False NothingBlocks");
  }

  private static SecureRegistry registry() {
    var r = Registries.tls(Registries.basic("apps", "reg"), TlsSpec.Mode.Disabled);
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    r.getMetadata().setGeneration(1L);
    return r;
  }

  private static Deployment deployment(
      io.fabric8.kubernetes.api.model.apps.DeploymentCondition condition) {
    var b = new DeploymentBuilder().withNewMetadata().withName("reg").withGeneration(1L)
        .endMetadata().withNewStatus().withObservedGeneration(1L).withReplicas(1)
        .withUpdatedReplicas(1).withReadyReplicas(0).withAvailableReplicas(0).endStatus();
    if (condition != null) {
      b.editStatus().withConditions(condition).endStatus();
    }
    return b.build();
  }

  static ContainerStatus crashLoop(String container, int exit, String lastLog) {
    return new ContainerStatusBuilder().withName(container).withRestartCount(5).withReady(false)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
          .withMessage("back-off 5m0s restarting failed container").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(exit).withReason("Error")
          .withMessage(lastLog).endTerminated().endLastState().build();
  }

  static Pod pod(String name, ContainerStatus... statuses) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("default")
          .addToLabels(dev.portcullis.operator.model.Names.NAME_LABEL, "portcullis-registry")
        .endMetadata()
        .withNewSpec().addNewContainer().withName(statuses.length == 0 ? "registry"
            : statuses[0].getName()).withImage("portcullis-registry:test").endContainer()
        .endSpec()
        .withNewStatus().withPhase(statuses.length == 0 ? "Pending" : "Running")
          .withContainerStatuses(statuses).endStatus()
        .build();
  }

  private static String line(SecureRegistryStatus status, String type) {
    var c = status.condition(type).orElseThrow();
    return c.getStatus() + " " + c.getReason() + ": " + c.getMessage();
  }
}
