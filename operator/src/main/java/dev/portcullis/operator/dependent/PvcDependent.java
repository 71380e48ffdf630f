package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Owners;
import dev.portcullis.operator.model.PvcModel;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Objects;

/**
 * The data claim. Not garbage-collected by default and never deleted by the operator: images
 * survive {@code kubectl delete sreg}. Only with {@code retainOnDelete: false} does it get an owner
 * reference, so that Kubernetes deletes it with the SecureRegistry. JOSDK maps it back to its
 * registry through annotations, which works with or without the owner reference.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class PvcDependent extends KubernetesDependentResource<PersistentVolumeClaim, SecureRegistry>
    implements Creator<PersistentVolumeClaim, SecureRegistry>,
        Updater<PersistentVolumeClaim, SecureRegistry> {

  public PvcDependent() {
    super(PersistentVolumeClaim.class);
  }

  @Override
  protected PersistentVolumeClaim desired(SecureRegistry primary, Context<SecureRegistry> context) {
    var pvc = PvcModel.desired(primary);
    if (!primary.getSpec().effectiveStorage().persistentVolumeClaim.effectiveRetainOnDelete()) {
      Owners.setController(pvc, primary);
    }
    return pvc;
  }

  @Override
  public Matcher.Result<PersistentVolumeClaim> match(
      PersistentVolumeClaim actual,
      PersistentVolumeClaim desired,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    boolean sameOwnership = Owners.isOwnedBy(actual, primary) == Owners.isOwnedBy(desired, primary)
        && (!Owners.isOwnedBy(desired, primary) || Owners.isControlledBy(actual, primary));
    boolean sameSize = Objects.equals(size(actual), size(desired));
    // the rest of a claim's spec is immutable once created: comparing it would only produce
    // updates the API server refuses
    return Matcher.Result.computed(sameOwnership && sameSize, desired);
  }

  @Override
  public PersistentVolumeClaim update(
      PersistentVolumeClaim actual,
      PersistentVolumeClaim desired,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    var updated = context.getClient().getKubernetesSerialization().clone(actual);
    updated.getSpec().getResources().getRequests().put("storage", size(desired));
    List<OwnerReference> others = updated.getMetadata().getOwnerReferences().stream()
        .filter(o -> !Objects.equals(o.getUid(), primary.getMetadata().getUid()))
        .toList();
    updated.getMetadata().setOwnerReferences(new java.util.ArrayList<>(others));
    if (Owners.isOwnedBy(desired, primary)) {
      Owners.setController(updated, primary);
    }
    return context.getClient().resource(updated).update();
  }

  private static Quantity size(PersistentVolumeClaim pvc) {
    var resources = pvc.getSpec().getResources();
    return resources == null || resources.getRequests() == null
        ? null
        : resources.getRequests().get("storage");
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.pvc(primary), primary.getMetadata().getNamespace());
  }
}
