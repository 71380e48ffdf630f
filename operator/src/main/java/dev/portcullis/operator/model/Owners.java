package dev.portcullis.operator.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.Objects;

/**
 * The registry as the controller of what it owns. {@code controller: true} is what kubectl
 * describe ("Controlled By"), Argo CD's resource tree and other controllers' adoption logic follow;
 * {@code blockOwnerDeletion} makes foreground deletion of the registry wait for them.
 */
public final class Owners {
  private Owners() {}

  public static OwnerReference controllerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Makes {@code owner} the controller of {@code owned}, replacing any plain reference to it. */
  public static void setController(HasMetadata owned, HasMetadata owner) {
    var refs = new ArrayList<OwnerReference>();
    if (owned.getMetadata().getOwnerReferences() != null) {
      for (OwnerReference r : owned.getMetadata().getOwnerReferences()) {
        if (!Objects.equals(r.getUid(), owner.getMetadata().getUid())) {
          refs.add(r);
        }
      }
    }
    refs.add(controllerReference(owner));
    owned.getMetadata().setOwnerReferences(refs);
  }

  /** Whether {@code owned} has any owner reference to {@code owner} (controller or not). */
  public static boolean isOwnedBy(HasMetadata owned, HasMetadata owner) {
    return owned.getMetadata().getOwnerReferences() != null
        && owned.getMetadata().getOwnerReferences().stream().anyMatch(r ->
            Objects.equals(r.getUid(), owner.getMetadata().getUid()));
  }

  /** Whether {@code owner} is already recorded as the controller of {@code owned}. */
  public static boolean isControlledBy(HasMetadata owned, HasMetadata owner) {
    return owned.getMetadata().getOwnerReferences() != null
        && owned.getMetadata().getOwnerReferences().stream().anyMatch(r ->
            Objects.equals(r.getUid(), owner.getMetadata().getUid())
                && Boolean.TRUE.equals(r.getController())
                && Boolean.TRUE.equals(r.getBlockOwnerDeletion()));
  }
}
