package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.CertificateModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The registry's server Certificate; cert-manager writes and renews the TLS Secret it names. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class ServerCertificateDependent
    extends OwnedDependent<Certificate> {

  public ServerCertificateDependent() {
    super(Certificate.class);
  }

  @Override
  protected Certificate desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return CertificateModel.serverCertificate(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.serverCertificate(primary), primary.getMetadata().getNamespace());
  }
}
