package dev.portcullis.operator.status;

import dev.portcullis.operator.api.SecureRegistryStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends a condition after those the aggregate already holds (the warnings after Ready), keeping
 * its lastTransitionTime from the previous status when its status did not change, as
 * {@link StatusAggregator#transitionTime} does for the conditions it builds.
 */
final class WarningConditions {

  private WarningConditions() {}

  static void append(SecureRegistryStatus status, SecureRegistryStatus previous, String type,
      String value, String reason, String message, long generation, Instant now) {
    Condition c = new ConditionBuilder()
        .withType(type)
        .withStatus(value)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .build();
    add(status, previous, c, now);
  }

  /** Appends {@code c}, stamped with the status' observedGeneration and its transition time. */
  static void append(SecureRegistryStatus status, SecureRegistryStatus previous, Condition c,
      Instant now) {
    c.setObservedGeneration(status.observedGeneration);
    add(status, previous, c, now);
  }

  private static void add(SecureRegistryStatus status, SecureRegistryStatus previous, Condition c,
      Instant now) {
    c.setLastTransitionTime(StatusAggregator.transitionTime(previous, c, now));
    var conditions = new ArrayList<>(status.conditions == null ? List.<Condition>of()
        : status.conditions);
    conditions.add(c);
    status.conditions = conditions;
  }
}
