package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The claim holding the images. Whether it outlives the SecureRegistry (the default) is decided by
 * the dependent through the owner reference, not here.
 */
public final class PvcModel {
  private PvcModel() {}

  public static PersistentVolumeClaim desired(SecureRegistry r) {
    StorageSpec.PersistentVolumeClaim pvc = r.getSpec().effectiveStorage().persistentVolumeClaim;
    return new PersistentVolumeClaimBuilder()
        .withMetadata(Meta.of(r, Names.pvc(r)))
        .withNewSpec()
          .withAccessModes(pvc.effectiveAccessModes())
          .withStorageClassName(pvc.storageClassName)
          .withNewResources().addToRequests("storage", new Quantity(pvc.effectiveSize()))
          .endResources()
        .endSpec()
        .build();
  }

  /** A ReadWriteOnce claim cannot be mounted by old and new pod at once: roll by Recreate. */
  public static boolean needsRecreate(SecureRegistry r) {
    StorageSpec s = r.getSpec().effectiveStorage();
    return s.kind() == StorageSpec.Kind.PersistentVolumeClaim
        && !s.persistentVolumeClaim.effectiveAccessModes().contains("ReadWriteMany");
  }
}
