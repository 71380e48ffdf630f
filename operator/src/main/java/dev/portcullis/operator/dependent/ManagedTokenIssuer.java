package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile precondition of the token issuer's objects: auth.mode Token, issuer Managed. */
public class ManagedTokenIssuer implements Condition<Object, SecureRegistry> {
  @Override
  public boolean isMet(DependentResource<Object, SecureRegistry> dependent, SecureRegistry primary,
      Context<SecureRegistry> context) {
    return primary.getSpec().effectiveAuth().managedToken() != null;
  }
}
