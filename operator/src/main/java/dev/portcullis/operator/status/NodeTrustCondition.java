package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistryStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The warning condition {@value ConditionTypes#NODE_TRUST_DEGRADED} of a registry with node trust:
 * the node agent is one DaemonSet for the cluster, so every such registry carries its state. A
 * warning after Ready, like PullSecretTargetsRefused: the registry serves either way, only the
 * nodes' trust of it lags.
 */
public final class NodeTrustCondition {

  private NodeTrustCondition() {}

  /** Adds the condition, keeping its transition time from {@code previous} when unchanged. */
  public static void add(SecureRegistryStatus status, SecureRegistryStatus previous,
      NodeAgentState state, long generation, Instant now) {
    String value = state.degraded() == null ? "Unknown" : state.degraded() ? "True" : "False";
    Condition c = new ConditionBuilder()
        .withType(ConditionTypes.NODE_TRUST_DEGRADED)
        .withStatus(value)
        .withReason(state.reason())
        .withMessage(state.message())
        .withObservedGeneration(generation)
        .build();
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    if (previous != null) {
      var old = previous.condition(c.getType()).orElse(null);
      if (old != null && Objects.equals(old.getStatus(), c.getStatus())
          && old.getLastTransitionTime() != null) {
        time = old.getLastTransitionTime();
      }
    }
    c.setLastTransitionTime(time);
    var conditions = new ArrayList<>(status.conditions == null ? List.of() : status.conditions);
    conditions.add(c);
    status.conditions = conditions;
  }
}
