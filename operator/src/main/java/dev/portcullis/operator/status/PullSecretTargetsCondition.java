package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistryStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
    WarningConditions.append(status, previous, ConditionTypes.PULL_SECRET_TARGETS_REFUSED,
        any ? "True" : "False", any ? "TargetsRefused" : "AllTargetsAllowed", message, generation,
        now);
  }
}
