package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Owners;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * An object of the registry's namespace that the registry controls: created, updated when the
 * live object differs from the desired one by more than the API server's defaults, and deleted
 * with the registry (garbage collection through its controller owner reference).
 */
abstract class OwnedDependent<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, SecureRegistry> {

  OwnedDependent(Class<R> type) {
    super(type);
  }

  @Override
  protected void addReferenceHandlingMetadata(R desired, SecureRegistry primary) {
    super.addReferenceHandlingMetadata(desired, primary);
    Owners.setController(desired, primary);
  }

  @Override
  public Matcher.Result<R> match(
      R actual, R desired, SecureRegistry primary, Context<SecureRegistry> context) {
    // an object made before owner references named the controller is updated once to say so
    return Matcher.Result.computed(
        LiveObjectMatcher.matches(desired, actual) && Owners.isControlledBy(actual, primary),
        desired);
  }
}
