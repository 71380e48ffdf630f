package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistryStatus;
import java.time.Instant;

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
    WarningConditions.append(status, previous, ConditionTypes.NODE_TRUST_DEGRADED, value,
        state.reason(), state.message(), generation, now);
  }
}
