package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile precondition of the server Certificate: false removes it (tls.mode Disabled). */
public class TlsEnabled implements Condition<Object, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<Object, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    return primary.getSpec().effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled;
  }
}
