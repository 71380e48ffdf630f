package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistryStatus;
import java.time.Instant;

/**
 * The condition {@value ConditionTypes#EXPOSED} of a registry with {@code spec.expose}: which
 * Ingresses or routes carry which host, or why they cannot be written. Ready does not wait for
 * it: the registry serves inside the cluster either way.
 */
public final class ExposedCondition {

  private ExposedCondition() {}

  public static void add(SecureRegistryStatus status, SecureRegistryStatus previous, boolean ok,
      String reason, String message, long generation, Instant now) {
    WarningConditions.append(status, previous, ConditionTypes.EXPOSED, ok ? "True" : "False",
        reason, message, generation, now);
  }
}
