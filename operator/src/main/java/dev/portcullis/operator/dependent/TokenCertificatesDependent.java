package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The managed token issuer's TLS and signing Certificates. */
@KubernetesDependent(informer = @Informer(name = "token-certificates",
    labelSelector = Names.MANAGED_SELECTOR))
public class TokenCertificatesDependent
    extends CRUDKubernetesDependentResource<Certificate, SecureRegistry>
    implements BulkDependentResource<Certificate, SecureRegistry, String> {

  public TokenCertificatesDependent() {
    super(Certificate.class);
  }

  @Override
  public Map<String, Certificate> desiredResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    var out = new LinkedHashMap<String, Certificate>();
    if (primary.getSpec().effectiveAuth().managedToken() != null) {
      for (Certificate cert : dev.portcullis.operator.model.TokenIssuerModel.certificates(primary)) {
        out.put(cert.getMetadata().getName(), cert);
      }
    }
    return out;
  }

  @Override
  public Map<String, Certificate> getSecondaryResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    var names = java.util.Set.of(Names.authServerTls(primary), Names.tokenSigning(primary));
    return context.getSecondaryResourcesAsStream(Certificate.class)
        .filter(c -> primary.getMetadata().getNamespace().equals(c.getMetadata().getNamespace()))
        .filter(c -> names.contains(c.getMetadata().getName()))
        .filter(c -> c.getMetadata().getOwnerReferences() != null && c.getMetadata()
            .getOwnerReferences().stream()
            .anyMatch(o -> o.getUid().equals(primary.getMetadata().getUid())))
        // several Certificate informers (CA, server, these) may hold the same object
        .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c, (a, b) -> a));
  }

  @Override
  public void deleteTargetResource(SecureRegistry primary, Certificate resource, String key,
      Context<SecureRegistry> context) {
    context.getClient().resource(resource).delete();
  }
}
