package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.ProductionModel;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile preconditions of the optional parts; false deletes what was created. */
public final class ProductionParts {
  private ProductionParts() {}

  /** More than one replica. */
  public static class PdbNeeded implements Condition<Object, SecureRegistry> {
    @Override
    public boolean isMet(DependentResource<Object, SecureRegistry> d, SecureRegistry primary,
        Context<SecureRegistry> context) {
      return ProductionModel.needsPdb(primary);
    }
  }

  /** networkPolicy.enabled. */
  public static class NetworkPolicyEnabled implements Condition<Object, SecureRegistry> {
    @Override
    public boolean isMet(DependentResource<Object, SecureRegistry> d, SecureRegistry primary,
        Context<SecureRegistry> context) {
      return primary.getSpec().networkPolicy != null
          && primary.getSpec().networkPolicy.effectiveEnabled();
    }
  }

  /** garbageCollection set. */
  public static class GarbageCollectionScheduled implements Condition<Object, SecureRegistry> {
    @Override
    public boolean isMet(DependentResource<Object, SecureRegistry> d, SecureRegistry primary,
        Context<SecureRegistry> context) {
      return primary.getSpec().garbageCollection != null
          && primary.getSpec().garbageCollection.schedule != null;
    }
  }
}
