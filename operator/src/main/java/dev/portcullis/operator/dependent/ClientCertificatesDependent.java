package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.CertificateModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.List;

/**
 * The client Certificates of a MutualTLS registry (the user's, and the nodes' with node trust); a
 * name leaving the spec deletes its Certificate (cert-manager leaves the Secret, which the
 * Certificate's owner, the registry, takes with it only through the Secret's own lifecycle).
 */
@KubernetesDependent(informer = @Informer(name = "client-certificates",
    labelSelector = Names.MANAGED_SELECTOR))
public class ClientCertificatesDependent extends OwnedCertificatesDependent {

  @Override
  List<Certificate> desiredCertificates(SecureRegistry primary) {
    return CertificateModel.clientCertificates(primary).stream()
        .map(c -> CertificateModel.clientCertificate(primary, c)).toList();
  }

  @Override
  boolean inSet(SecureRegistry primary, String name) {
    return name.startsWith(primary.getMetadata().getName() + "-client-");
  }
}
