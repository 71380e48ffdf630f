package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Set;

/**
 * An informer on the pods of the registries' and token issuers' Deployments, selected by the
 * labels their pod templates carry and mapped to their SecureRegistry by its instance label. A
 * pod that crash-loops or cannot pull its image changes no Deployment field the operator reads
 * soon (the Deployment only counts it unavailable): its status is what the condition must name.
 */
public final class OwnedPods {

  public static final String NAME = "owned-pods";
  /**
   * The registry's and the issuer's pods: not the node agent's (no instance: it is no registry's)
   * nor the garbage-collection Jobs' (a component label: a failed run is no crash loop). Only
   * equality and existence, which every API server (and the mock one) understands.
   */
  static final String SELECTOR = Names.MANAGED_SELECTOR + "," + Names.INSTANCE_LABEL + ",!"
      + Names.COMPONENT_LABEL;

  private OwnedPods() {}

  public static InformerEventSource<Pod, SecureRegistry> eventSource(
      EventSourceContext<SecureRegistry> context) {
    var config = InformerEventSourceConfiguration.from(Pod.class, SecureRegistry.class)
        .withName(NAME)
        .withLabelSelector(SELECTOR)
        .withSecondaryToPrimaryMapper((Pod p) -> {
          var labels = p.getMetadata().getLabels();
          String instance = labels == null ? null : labels.get(Names.INSTANCE_LABEL);
          return instance == null ? Set.<ResourceID>of()
              : Set.of(new ResourceID(instance, p.getMetadata().getNamespace()));
        })
        .build();
    return new InformerEventSource<>(config, context);
  }

  /** The registry's and its issuer's pods from the informer cache. */
  @SuppressWarnings("unchecked")
  public static List<Pod> of(Context<SecureRegistry> context, SecureRegistry r) {
    var source = (InformerEventSource<Pod, SecureRegistry>)
        context.eventSourceRetriever().getEventSourceFor(Pod.class, NAME);
    return source.list(r.getMetadata().getNamespace(), p -> p.getMetadata().getLabels() != null
        && r.getMetadata().getName().equals(p.getMetadata().getLabels().get(Names.INSTANCE_LABEL)))
        .toList();
  }
}
