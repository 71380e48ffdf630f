package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Base of the per-namespace bootstrap CA objects, which every registry of the namespace shares.
 * They carry no owner reference and are never deleted by the operator (not a Deleter): deleting
 * one registry must not take the CA of the others, and replacing a CA makes every client re-trust.
 * No JOSDK mapping annotations either, since each registry would overwrite the other's.
 */
abstract class SharedCaDependent<R extends HasMetadata>
    extends KubernetesDependentResource<R, SecureRegistry>
    implements Creator<R, SecureRegistry>, Updater<R, SecureRegistry> {

  private final String objectName;

  SharedCaDependent(Class<R> type, String objectName) {
    super(type);
    this.objectName = objectName;
  }

  @Override
  protected void addReferenceHandlingMetadata(R desired, SecureRegistry primary) {
    // shared: no owner reference, no primary annotations
  }

  /** A change to the shared object concerns every registry of its namespace. */
  @Override
  protected Optional<SecondaryToPrimaryMapper<R>> getSecondaryToPrimaryMapper(
      EventSourceContext<SecureRegistry> context) {
    return Optional.of(resource -> {
      if (!objectName.equals(resource.getMetadata().getName())) {
        return Set.of();
      }
      String ns = resource.getMetadata().getNamespace();
      return context.getPrimaryCache().list(ns).map(ResourceID::fromResource)
          .collect(Collectors.toSet());
    });
  }

  /** Look the object up by its fixed name: the reverse index only knows registries seen before it. */
  @Override
  protected InformerEventSourceConfiguration.Builder<R> informerConfigurationBuilder(
      EventSourceContext<SecureRegistry> context) {
    return super.informerConfigurationBuilder(context)
        .withPrimaryToSecondaryMapper(
            (SecureRegistry p) -> Set.of(new ResourceID(objectName, p.getMetadata().getNamespace())));
  }

  /**
   * Two registries of a namespace reconciled at once both create the shared object; the loser
   * of that race takes the winner's, which is identical by construction.
   */
  @Override
  public R create(R desired, SecureRegistry primary, Context<SecureRegistry> context) {
    try {
      return super.create(desired, primary, context);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      R existing = context.getClient().resource(desired).get();
      if (existing == null) {
        throw e;
      }
      return existing;
    }
  }

  @Override
  public io.javaoperatorsdk.operator.processing.dependent.Matcher.Result<R> match(
      R actual, R desired, SecureRegistry primary, Context<SecureRegistry> context) {
    return io.javaoperatorsdk.operator.processing.dependent.Matcher.Result.computed(
        LiveObjectMatcher.matches(desired, actual), desired);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(objectName, primary.getMetadata().getNamespace());
  }
}
