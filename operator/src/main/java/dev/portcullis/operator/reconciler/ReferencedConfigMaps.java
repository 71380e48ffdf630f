package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.TokenBackendsModel;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.stream.Collectors;

/**
 * An informer on the users' ConfigMaps the token issuer mounts (CA bundles, external programs).
 * Kept apart from the operator's own ConfigMap dependents, whose informers see only what the
 * operator made: a user's ConfigMap that appears must reconcile the registries naming it, so a
 * ConfigMapNotFound condition clears by itself, as SecretNotFound does.
 */
public final class ReferencedConfigMaps {

  public static final String NAME = "referenced-configmaps";
  private static final String INDEX = "portcullis.referenced-configmaps";

  private ReferencedConfigMaps() {}

  public static InformerEventSource<ConfigMap, SecureRegistry> eventSource(
      EventSourceContext<SecureRegistry> context) {
    context.getPrimaryCache().addIndexer(INDEX, r -> TokenBackendsModel.configMapNames(r).stream()
        .map(n -> key(r.getMetadata().getNamespace(), n)).toList());
    var config = InformerEventSourceConfiguration.from(ConfigMap.class, SecureRegistry.class)
        .withName(NAME)
        .withSecondaryToPrimaryMapper((ConfigMap cm) -> context.getPrimaryCache()
            .byIndex(INDEX, key(cm.getMetadata().getNamespace(), cm.getMetadata().getName()))
            .stream().map(ResourceID::fromResource)
            .collect(Collectors.<ResourceID>toSet()))
        .build();
    return new InformerEventSource<>(config, context);
  }

  /** A ConfigMap of the registry's namespace from the informer cache, or null. */
  @SuppressWarnings("unchecked")
  public static ConfigMap get(Context<SecureRegistry> context, SecureRegistry r, String name) {
    var source = (InformerEventSource<ConfigMap, SecureRegistry>)
        context.eventSourceRetriever().getEventSourceFor(ConfigMap.class, NAME);
    return source.get(new ResourceID(name, r.getMetadata().getNamespace())).orElse(null);
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
