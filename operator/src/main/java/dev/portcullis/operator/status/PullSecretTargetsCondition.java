package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistryStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The warning condition {@value ConditionTypes#PULL_SECRET_TARGETS_REFUSED}: True while some
 * namespaces a registry's pullSecrets name are refused by the admin's policy, each named with why;
 * False (naming where the pull secrets are) otherwise. A warning after Ready, like
 * CertificateRenewalOverdue: the allowed namespaces get their pull secrets either way.
 */
public final class PullSecretTargetsCondition {

  private PullSecretTargetsCondition() {}

  /**
   * Adds the condition to {@code status} (built for this reconcile), carrying over its transition
   * time from {@code previous} when its status did not change.
   */
  public static void add(SecureRegistryStatus status, SecureRegistryStatus previous,
      List<String> published, Map<String, String> refused, long generation, Instant now) {
    boolean any = !refused.isEmpty();
    String message = any
        ? "pull secrets refused in " + refused.entrySet().stream()
            .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining("; "))
        : published.isEmpty() ? "no namespace selected holds a pull secret yet"
            : "pull secrets in " + String.join(", ", published);
    Condition c = new ConditionBuilder()
        .withType(ConditionTypes.PULL_SECRET_TARGETS_REFUSED)
        .withStatus(any ? "True" : "False")
        .withReason(any ? "TargetsRefused" : "AllTargetsAllowed")
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
