package dev.portcullis.operator.status;

import static dev.portcullis.operator.api.ConditionTypes.PULL_SECRET_TARGETS_REFUSED;
import static dev.portcullis.operator.api.ConditionTypes.READY;
import static dev.portcullis.operator.api.ConditionTypes.RECONCILING;
import static dev.portcullis.operator.api.ConditionTypes.STALLED;
import static dev.portcullis.operator.api.ConditionTypes.STORAGE_READY;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * kstatus's two abnormal-true conditions, which Flux's health checks and kstatus-based tools read
 * on a custom resource instead of its Ready condition: {@code Reconciling} (the latest generation
 * is still on its way) and {@code Stalled} (it will not get there without a person). kstatus takes
 * whichever True one comes first, so they are never True together: Stalled wins. Both are always
 * present, False with a reason when they do not apply, so that a reader sees they were considered.
 */
public final class ProgressConditions {

  private ProgressConditions() {}

  /**
   * Replaces Reconciling and Stalled in {@code status} (whose other conditions are final) by the
   * ones its conditions, the spec's problems and the observed Deployment call for.
   */
  public static void apply(SecureRegistry r, Observed o, List<Problem> problems,
      SecureRegistryStatus status, Instant now) {
    var conditions = new ArrayList<>(status.conditions == null ? List.<Condition>of()
        : status.conditions);
    conditions.removeIf(c -> RECONCILING.equals(c.getType()) || STALLED.equals(c.getType()));
    Condition stalled = stalled(o, problems, conditions);
    Condition reconciling = "True".equals(stalled.getStatus())
        ? condition(RECONCILING, false, "Stalled",
            "no progress without a change: see the Stalled condition")
        : reconciling(r, o, conditions);
    long generation = status.observedGeneration == null ? 0L : status.observedGeneration;
    // just before Ready, which they explain; the warnings stay after Ready
    int at = conditions.indexOf(find(conditions, READY).orElse(null));
    at = at < 0 ? conditions.size() : at;
    for (Condition c : List.of(reconciling, stalled)) {
      c.setObservedGeneration(generation);
      c.setLastTransitionTime(StatusAggregator.transitionTime(r.getStatus(), c, now));
      conditions.add(at++, c);
    }
    status.conditions = conditions;
  }

  private static Condition stalled(Observed o, List<Problem> problems,
      List<Condition> conditions) {
    if (!problems.isEmpty()) {
      return condition(STALLED, true, problems.get(0).reason(),
          problems.stream().map(Problem::message).collect(Collectors.joining("; ")));
    }
    var deadline = progressDeadlineExceeded(o.deployment());
    if (deadline.isPresent()) {
      // the Deployment controller gave up waiting (progressDeadlineSeconds): the pods say why
      return condition(STALLED, true, "ProgressDeadlineExceeded", "Deployment "
          + o.deployment().getMetadata().getName() + ": " + deadline.get().getMessage()
          + o.podTrouble().map(t -> "; " + t.message()).orElse(""));
    }
    var refused = find(conditions, PULL_SECRET_TARGETS_REFUSED)
        .filter(c -> "True".equals(c.getStatus()));
    if (refused.isPresent()) {
      return condition(STALLED, true, "PullSecretTargetsRefused", refused.get().getMessage()
          + ": remove them from pullSecrets.namespaces, or ask the cluster's admin to open them");
    }
    var lost = find(conditions, STORAGE_READY).filter(c -> "ClaimLost".equals(c.getReason()));
    if (lost.isPresent()) {
      return condition(STALLED, true, "ClaimLost", lost.get().getMessage()
          + ": restore the volume, or delete the claim to get an empty one");
    }
    return condition(STALLED, false, "NothingBlocks", "no step waits for a person");
  }

  /** The Deployment's Progressing condition when it is False for ProgressDeadlineExceeded. */
  static Optional<io.fabric8.kubernetes.api.model.apps.DeploymentCondition>
      progressDeadlineExceeded(Deployment d) {
    if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return d.getStatus().getConditions().stream()
        .filter(c -> "Progressing".equals(c.getType()) && "False".equals(c.getStatus())
            && "ProgressDeadlineExceeded".equals(c.getReason()))
        .findFirst();
  }

  private static Condition reconciling(SecureRegistry r, Observed o, List<Condition> conditions) {
    if (!o.errors().isEmpty()) {
      // Flux's own reason for a step that failed and is retried
      return condition(RECONCILING, true, "ProgressingWithRetry", String.join("; ", o.errors()));
    }
    Deployment d = o.deployment();
    if (d == null) {
      return condition(RECONCILING, true, "DeploymentPending",
          "waiting for Deployment " + Names.deployment(r));
    }
    int wanted = r.getSpec().effectiveReplicas();
    if (wanted == 0) {
      return condition(RECONCILING, false, "ScaledToZero", "replicas is 0: nothing to roll out");
    }
    String rollout = rolloutInProgress(d, wanted);
    if (rollout != null) {
      return condition(RECONCILING, true, "RollingOut",
          "Deployment " + d.getMetadata().getName() + ": " + rollout);
    }
    var ready = find(conditions, READY).orElse(null);
    if (ready != null && !"True".equals(ready.getStatus())) {
      return condition(RECONCILING, true, ready.getReason(), ready.getMessage());
    }
    return condition(RECONCILING, false, "RolledOut",
        "generation " + r.getMetadata().getGeneration() + " is rolled out and ready");
  }

  /**
   * What {@code kubectl rollout status} waits for: the Deployment controller has seen the latest
   * template, every replica runs it, no old one is left, and all are available. Null when done.
   */
  static String rolloutInProgress(Deployment d, int wanted) {
    var st = d.getStatus();
    if (st == null) {
      return "no status yet";
    }
    Long generation = d.getMetadata().getGeneration();
    if (generation != null && (st.getObservedGeneration() == null
        || st.getObservedGeneration() < generation)) {
      return "the Deployment controller has yet to see generation " + generation;
    }
    int updated = orZero(st.getUpdatedReplicas());
    int total = orZero(st.getReplicas());
    int available = orZero(st.getAvailableReplicas());
    if (updated < wanted) {
      return updated + "/" + wanted + " replicas updated";
    }
    if (total > updated) {
      return (total - updated) + " old replicas pending termination";
    }
    if (available < updated) {
      return available + "/" + updated + " updated replicas available";
    }
    return null;
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }

  private static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> Objects.equals(type, c.getType())).findFirst();
  }

  private static Condition condition(String type, boolean status, String reason, String message) {
    return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False")
        .withReason(reason).withMessage(message).build();
  }
}
