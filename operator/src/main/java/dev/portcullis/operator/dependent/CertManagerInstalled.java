package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Activation condition of the cert-manager dependents: their informers are only started once the
 * CRDs exist, so the operator starts (and serves tls.mode Disabled registries) without cert-manager.
 */
public class CertManagerInstalled<R extends HasMetadata> implements Condition<R, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<R, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    return CertManager.installed(context.getClient());
  }
}
