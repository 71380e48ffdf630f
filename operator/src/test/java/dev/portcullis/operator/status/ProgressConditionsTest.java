package dev.portcullis.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Problem;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kstatus's Reconciling and Stalled, as StatusAggregator writes them. */
class ProgressConditionsTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T01:00:00Z");

  @Test
  void aProblemStallsTheRegistryAndReconcilingStepsAside() {
    var r = registry(3L);
    var status = StatusAggregator.aggregate(r, seen(deployment(3L, 1, 1, 1, 1), List.of()),
        List.of(new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
            "Secret rackham-password not found")), T0);
    assertThat(line(status, ConditionTypes.STALLED))
        .isEqualTo("True SecretNotFound @3: Secret rackham-password not found");
    assertThat(line(status, ConditionTypes.RECONCILING)).isEqualTo(
        "False Stalled @3: no progress without a change: see the Stalled condition");
  }

  @Test
  void aServingRegistryWhoseDeploymentIsRolledOutIsNeitherReconcilingNorStalled() {
    var r = registry(2L);
    var status = StatusAggregator.aggregate(r, seen(deployment(5L, 1, 1, 1, 1), List.of()),
        List.of(), T0);
    assertThat(line(status, ConditionTypes.READY)).startsWith("True Ready @2");
    assertThat(line(status, ConditionTypes.RECONCILING))
        .isEqualTo("False RolledOut @2: generation 2 is rolled out and ready");
    assertThat(line(status, ConditionTypes.STALLED))
        .isEqualTo("False NothingBlocks @2: no step waits for a person");
    // the same world a reconcile later: the same status, so nothing is written
    r.setStatus(status);
    assertThat(StatusAggregator.aggregate(r, seen(deployment(5L, 1, 1, 1, 1), List.of()),
        List.of(), T1)).isEqualTo(status);
  }

  @Test
  void aRolloutIsReconcilingUntilEveryReplicaRunsTheNewTemplate() {
    var r = registry(2L);
    r.getSpec().replicas = 2;
    assertThat(reconciling(r, deployment(7L, null, 0, 0, 0)))
        .isEqualTo("True RollingOut @2: Deployment reg: the Deployment controller has yet to see"
            + " generation 7");
    assertThat(reconciling(r, deployment(7L, 7L, 3, 1, 2)))
        .isEqualTo("True RollingOut @2: Deployment reg: 1/2 replicas updated");
    assertThat(reconciling(r, deployment(7L, 7L, 3, 2, 2)))
        .isEqualTo("True RollingOut @2: Deployment reg: 1 old replicas pending termination");
    assertThat(reconciling(r, deployment(7L, 7L, 2, 2, 1)))
        .isEqualTo("True RollingOut @2: Deployment reg: 1/2 updated replicas available");
    assertThat(reconciling(r, deployment(7L, 7L, 2, 2, 2))).startsWith("False RolledOut");
    assertThat(reconciling(r, null))
        .isEqualTo("True DeploymentPending @2: waiting for Deployment reg");
  }

  @Test
  void aFailedStepIsReconcilingWithRetry() {
    var r = registry(1L);
    var status = StatusAggregator.aggregate(r, seen(deployment(1L, 1, 1, 1, 1),
        List.of("service: services \"reg\" is forbidden")), List.of(), T0);
    assertThat(line(status, ConditionTypes.RECONCILING))
        .isEqualTo("True ProgressingWithRetry @1: service: services \"reg\" is forbidden");
    assertThat(line(status, ConditionTypes.STALLED)).startsWith("False NothingBlocks");
  }

  @Test
  void refusedPullSecretTargetsStallTheRegistryOnceTheirConditionIsAdded() {
    var r = registry(4L);
    var status = StatusAggregator.aggregate(r, seen(deployment(1L, 1, 1, 1, 1), List.of()),
        List.of(), T0);
    PullSecretTargetsCondition.add(status, null, List.of("apps"),
        Map.of("team-b", "not opened to other namespaces' pull secrets"), 4L, T0);
    ProgressConditions.apply(r, seen(deployment(1L, 1, 1, 1, 1), List.of()), List.of(), status,
        T0);
    assertThat(line(status, ConditionTypes.STALLED)).isEqualTo("True PullSecretTargetsRefused @4:"
        + " pull secrets refused in team-b (not opened to other namespaces' pull secrets): remove"
        + " them from pullSecrets.namespaces, or ask the cluster's admin to open them");
    assertThat(line(status, ConditionTypes.RECONCILING)).startsWith("False Stalled");
    assertThat(status.conditions.stream().filter(c -> c.getType().equals(ConditionTypes.STALLED)))
        .as("applied twice, still one Stalled").hasSize(1);
  }

  @Test
  void aLostClaimStallsTheRegistry() {
    var r = Registries.tls(Registries.basic("apps", "reg"), TlsSpec.Mode.Disabled);
    r.getMetadata().setGeneration(1L);
    var lost = new PersistentVolumeClaimBuilder().withNewMetadata().withName("reg-data")
        .endMetadata().withNewStatus().withPhase("Lost").endStatus().build();
    var status = StatusAggregator.aggregate(r, new Observed(deployment(1L, 1, 1, 1, 1), null, null,
        lost, null, List.of()), List.of(), T0);
    assertThat(line(status, ConditionTypes.STALLED)).isEqualTo("True ClaimLost @1:"
        + " PersistentVolumeClaim reg-data lost its volume: restore the volume, or delete the claim"
        + " to get an empty one");
  }

  @Test
  void theTransitionTimeStaysWhileTheStatusOfAConditionDoesNotChange() {
    var r = registry(1L);
    r.getSpec().replicas = 2;
    var first = StatusAggregator.aggregate(r, seen(deployment(1L, 1L, 2, 1, 1), List.of()),
        List.of(), T0);
    r.setStatus(first);
    var second = StatusAggregator.aggregate(r, seen(deployment(1L, 1L, 2, 2, 1), List.of()),
        List.of(), T1);
    var reconciling = second.condition(ConditionTypes.RECONCILING).orElseThrow();
    assertThat(reconciling.getMessage()).isEqualTo("Deployment reg: 1/2 updated replicas available");
    assertThat(reconciling.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
  }

  private static String reconciling(SecureRegistry r, Deployment d) {
    return line(StatusAggregator.aggregate(r, seen(d, List.of()), List.of(), T0),
        ConditionTypes.RECONCILING);
  }

  /** A plain-HTTP registry (nothing to wait for but its Deployment), at this generation. */
  private static SecureRegistry registry(long generation) {
    var r = Registries.tls(Registries.basic("apps", "reg"), TlsSpec.Mode.Disabled);
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    r.getMetadata().setGeneration(generation);
    return r;
  }

  private static Observed seen(Deployment d, List<String> errors) {
    var claim = new PersistentVolumeClaimBuilder().withNewMetadata().withName("reg-data")
        .endMetadata().build();
    return new Observed(d, null, null, claim, null, errors);
  }

  private static Deployment deployment(long generation, int replicas, int updated, int ready,
      int available) {
    return deployment(generation, generation, replicas, updated, available, ready);
  }

  private static Deployment deployment(long generation, Long observed, int replicas, int updated,
      int available) {
    return deployment(generation, observed, replicas, updated, available, available);
  }

  private static Deployment deployment(long generation, Long observed, int replicas, int updated,
      int available, int ready) {
    return new DeploymentBuilder().withNewMetadata().withName("reg").withGeneration(generation)
        .endMetadata().withNewStatus().withObservedGeneration(observed).withReplicas(replicas)
        .withUpdatedReplicas(updated).withReadyReplicas(ready).withAvailableReplicas(available)
        .endStatus().build();
  }

  private static String line(SecureRegistryStatus status, String type) {
    return status.condition(type).map(c -> c.getStatus() + " " + c.getReason() + " @"
        + c.getObservedGeneration() + ": " + c.getMessage()).orElse("absent");
  }
}
