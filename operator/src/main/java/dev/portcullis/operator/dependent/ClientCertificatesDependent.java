package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.CertificateModel;
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

/**
 * The client Certificates of a MutualTLS registry (the user's, and the nodes' with node trust); a
 * name leaving the spec deletes its Certificate (cert-manager leaves the Secret, which the
 * Certificate's owner, the registry, takes with it only through the Secret's own lifecycle).
 */
@KubernetesDependent(informer = @Informer(name = "client-certificates",
    labelSelector = Names.MANAGED_SELECTOR))
public class ClientCertificatesDependent
    extends CRUDKubernetesDependentResource<Certificate, SecureRegistry>
    implements BulkDependentResource<Certificate, SecureRegistry, String> {

  public ClientCertificatesDependent() {
    super(Certificate.class);
  }

  @Override
  public Map<String, Certificate> desiredResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    var out = new LinkedHashMap<String, Certificate>();
    for (var c : CertificateModel.clientCertificates(primary)) {
      Certificate cert = CertificateModel.clientCertificate(primary, c);
      out.put(cert.getMetadata().getName(), cert);
    }
    return out;
  }

  @Override
  public Map<String, Certificate> getSecondaryResources(
      SecureRegistry primary, Context<SecureRegistry> context) {
    String prefix = primary.getMetadata().getName() + "-client-";
    return context.getSecondaryResourcesAsStream(Certificate.class)
        .filter(c -> primary.getMetadata().getNamespace().equals(c.getMetadata().getNamespace()))
        .filter(c -> c.getMetadata().getName().startsWith(prefix))
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
