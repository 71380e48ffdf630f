package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.MonitoringModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Precondition of the metrics Service and the ServiceMonitor: asked for, and scrapable (the
 * Prometheus Operator is installed). When it stops holding, JOSDK deletes both.
 */
public class ServiceMonitorWanted<R extends HasMetadata> implements Condition<R, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<R, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    return MonitoringModel.wanted(primary) && MonitoringModel.problem(primary).isEmpty()
        && PrometheusOperator.installed(context.getClient());
  }
}
