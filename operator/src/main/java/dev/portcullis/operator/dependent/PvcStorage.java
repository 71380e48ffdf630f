package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile precondition of the claim. When false the claim is kept (PvcDependent is no Deleter). */
public class PvcStorage implements Condition<Object, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<Object, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    return primary.getSpec().effectiveStorage().kind() == StorageSpec.Kind.PersistentVolumeClaim;
  }
}
