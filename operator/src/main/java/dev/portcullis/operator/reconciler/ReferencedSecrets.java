package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.SecretInputs;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An informer on the Secrets a registry reads but does not own: the users' password Secrets, an
 * existing htpasswd Secret, S3 credentials, and the TLS and token-signing Secrets cert-manager
 * writes. A change to any of them reconciles exactly the registries that name it (an index on
 * the primary cache), so a password change updates the htpasswd file, a renewal refreshes the CA
 * bundle in status and a new signing key rolls the token issuer.
 */
public final class ReferencedSecrets {

  public static final String NAME = "referenced-secrets";
  private static final String INDEX = "portcullis.referenced-secrets";

  private ReferencedSecrets() {}

  public static InformerEventSource<Secret, SecureRegistry> eventSource(
      EventSourceContext<SecureRegistry> context) {
    context.getPrimaryCache().addIndexer(INDEX, r -> names(r).stream()
        .map(n -> key(r.getMetadata().getNamespace(), n)).toList());
    var config = InformerEventSourceConfiguration.from(Secret.class, SecureRegistry.class)
        .withName(NAME)
        .withSecondaryToPrimaryMapper((Secret s) -> {
          var ids = context.getPrimaryCache()
              .byIndex(INDEX, key(s.getMetadata().getNamespace(), s.getMetadata().getName()))
              .stream().map(ResourceID::fromResource)
              .collect(Collectors.toCollection(java.util.HashSet::new));
          // a Secret cert-manager wrote for one of the registry's Certificates (its
          // secretTemplate labels): the registry makes the Certificate its owner
          var labels = s.getMetadata().getLabels();
          if (labels != null && Names.MANAGED_BY.equals(labels.get(Names.MANAGED_BY_LABEL))
              && labels.get(Names.INSTANCE_LABEL) != null) {
            ids.add(new ResourceID(labels.get(Names.INSTANCE_LABEL),
                s.getMetadata().getNamespace()));
          }
          return ids;
        })
        .build();
    return new InformerEventSource<>(config, context);
  }

  static List<String> names(SecureRegistry r) {
    var names = new ArrayList<>(SecretInputs.referencedSecretNames(r));
    if (r.getSpec().effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled) {
      names.add(Names.tlsSecret(r));
    }
    if (r.getSpec().pullSecrets != null) {
      names.add(dev.portcullis.operator.model.PullRobot.secretName(r));
    }
    if (r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS) {
      names.add(Names.clientCertificate(r, Names.PROBE_CLIENT));
    }
    // the token-signing certificate: a renewal rolls the token issuer onto the new key
    if (r.getSpec().effectiveAuth().managedToken() != null) {
      names.add(Names.tokenSigning(r));
    }
    // the key of the mounted-secrets fingerprints: deleted, it is created anew
    if (dev.portcullis.operator.model.MountedSecretsFingerprint.needed(r)) {
      names.add(dev.portcullis.operator.model.FingerprintKey.secretName(r));
    }
    // the nodes' client certificate: node trust copies it, and a renewal must reach the nodes
    if (r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS
        && r.getSpec().effectiveNodeTrust().effectiveEnabled()) {
      names.add(Names.clientCertificate(r, Names.NODES_CLIENT));
    }
    return names;
  }

  /** A Secret of the registry's namespace from the informer cache, or null. */
  @SuppressWarnings("unchecked")
  public static Secret get(Context<SecureRegistry> context, SecureRegistry r, String name) {
    var source = (InformerEventSource<Secret, SecureRegistry>)
        context.eventSourceRetriever().getEventSourceFor(Secret.class, NAME);
    return source.get(new ResourceID(name, r.getMetadata().getNamespace())).orElse(null);
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
