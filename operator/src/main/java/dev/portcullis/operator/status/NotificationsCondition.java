package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.HealthStatus;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.model.NotificationsModel;
import java.time.Instant;
import java.util.ArrayList;

/**
 * The warning condition {@value ConditionTypes#NOTIFICATIONS_DEGRADED}, with spec.notifications
 * and a health probe only: True while the registry's {@code notifications_NAME} checks on /readyz
 * fail (the endpoint answered the last {@code threshold} deliveries with an error or not at all,
 * and the registry is backing off), naming each endpoint with the registry's message. After Ready,
 * which does not wait for it: the registry keeps serving and events wait in the durable outbox.
 */
public final class NotificationsCondition {

  private NotificationsCondition() {}

  /** Adds the condition to {@code status} (built for this reconcile) from the last probe. */
  public static void add(SecureRegistryStatus status, SecureRegistry r, HealthStatus health,
      Instant now) {
    if (r.getSpec().notifications == null || health == null || health.checks == null) {
      return;
    }
    var failing = new ArrayList<String>();
    int endpoints = 0;
    for (HealthStatus.Check c : health.checks) {
      if (c.name == null || !c.name.startsWith(NotificationsModel.CHECK_PREFIX)) {
        continue;
      }
      endpoints++;
      if ("failing".equals(c.status)) {
        failing.add(c.name.substring(NotificationsModel.CHECK_PREFIX.length())
            + (c.message == null ? "" : " (" + c.message + ")"));
      }
    }
    if (endpoints == 0) {
      // a registry that reports no endpoint checks (disabled endpoints, an older image): no claim
      return;
    }
    boolean degraded = !failing.isEmpty();
    WarningConditions.append(status, r.getStatus(), ConditionTypes.NOTIFICATIONS_DEGRADED,
        degraded ? "True" : "False", degraded ? "EndpointFailing" : "EndpointsDelivering",
        degraded
            ? "notification endpoint" + (failing.size() == 1 ? " " : "s ") + String.join(", ", failing)
                + ": events wait in the registry's outbox and are retried with backoff; see"
                + " registry_notifications_failed_total and the registry's log"
            : endpoints + " notification endpoint" + (endpoints == 1 ? "" : "s")
                + " accepting deliveries",
        status.observedGeneration, now);
  }
}
