package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Activation condition of the ServiceMonitor dependent: its informer is only started once the
 * Prometheus Operator's CRD exists, so the operator runs without it.
 */
public class PrometheusOperatorInstalled<R extends HasMetadata>
    implements Condition<R, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<R, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    return PrometheusOperator.installed(context.getClient());
  }
}
