package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.CertificateModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The namespace's bootstrap CA certificate (isCA), signed by the SelfSigned Issuer. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class CaCertificateDependent extends SharedCaDependent<Certificate> {

  public CaCertificateDependent() {
    super(Certificate.class, Names.CA_CERTIFICATE);
  }

  @Override
  protected Certificate desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return CertificateModel.caCertificate(primary.getMetadata().getNamespace());
  }
}
