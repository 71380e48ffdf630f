package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Reconcile precondition of the shared CA objects: TLS without the user's issuer. When false
 * nothing is deleted (the shared dependents are no Deleters): other registries may use the CA.
 */
public class BootstrapCaNeeded implements Condition<Object, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<Object, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    TlsSpec tls = primary.getSpec().effectiveTls();
    return tls.effectiveMode() != TlsSpec.Mode.Disabled && tls.issuerRef == null;
  }
}
