package dev.portcullis.operator.status;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.model.MonitoringModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;

/**
 * The warning condition {@value ConditionTypes#MONITORING_UNAVAILABLE}, with
 * monitoring.serviceMonitor.enabled only: True when no ServiceMonitor can be made, saying why and
 * what to do; False naming the ServiceMonitor otherwise. After Ready, which does not wait for it:
 * a registry serves whether or not it is scraped, as it does without cert-manager's absence
 * stopping a plain-HTTP one.
 */
public final class MonitoringCondition {

  private MonitoringCondition() {}

  /**
   * Adds the condition to {@code status} (built for this reconcile) when a ServiceMonitor is asked
   * for; {@code crdInstalled} is whether the Prometheus Operator's CRD exists.
   */
  public static void add(SecureRegistryStatus status, SecureRegistry r, List<Problem> problems,
      boolean crdInstalled, Instant now) {
    if (!MonitoringModel.wanted(r)) {
      return;
    }
    var problem = problems.stream()
        .filter(p -> ConditionTypes.MONITORING_UNAVAILABLE.equals(p.conditionType()))
        .findFirst();
    Condition c;
    if (problem.isPresent()) {
      c = condition(true, problem.get().reason(), problem.get().message());
    } else if (!crdInstalled) {
      c = condition(true, "ServiceMonitorCRDMissing", "the Prometheus Operator's CRD "
          + MonitoringModel.CRD + " is not installed: install the Prometheus Operator (e.g. the"
          + " kube-prometheus-stack chart), or set monitoring.serviceMonitor.enabled: false; the"
          + " registry serves either way, unscraped");
    } else if (MonitoringModel.metricsPortClosed(r)) {
      c = condition(true, "MetricsPortClosed", "ServiceMonitor " + Names.serviceMonitor(r)
          + " is made, but networkPolicy.enabled admits the registry port only: list Prometheus'"
          + " pods in monitoring.serviceMonitor.scrapeFrom (e.g. a namespaceSelector matching its"
          + " namespace) to open the metrics port " + Names.DEBUG_PORT + " to them");
    } else {
      c = condition(false, "ServiceMonitorCreated", "ServiceMonitor " + Names.serviceMonitor(r)
          + " scrapes /metrics over http from the pods' debug port " + Names.DEBUG_PORT
          + " through the headless Service " + Names.metricsService(r));
    }
    WarningConditions.append(status, r.getStatus(), c, now);
  }

  private static Condition condition(boolean status, String reason, String message) {
    return new ConditionBuilder().withType(ConditionTypes.MONITORING_UNAVAILABLE)
        .withStatus(status ? "True" : "False").withReason(reason).withMessage(message).build();
  }
}
