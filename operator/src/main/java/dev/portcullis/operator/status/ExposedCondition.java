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
 * The condition {@value ConditionTypes#EXPOSED} of a registry with {@code spec.expose}: which
 * Ingresses or routes carry which host, or why they cannot be written. Ready does not wait for
 * it: the registry serves inside the cluster either way.
 */
public final class ExposedCondition {

  private ExposedCondition() {}

  public static void add(SecureRegistryStatus status, SecureRegistryStatus previous, boolean ok,
      String reason, String message, long generation, Instant now) {
    Condition c = new ConditionBuilder()
        .withType(ConditionTypes.EXPOSED)
        .withStatus(ok ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
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
