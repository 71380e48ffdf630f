package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.CertificateModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The CA Issuer that signs registry server certificates with the bootstrap CA. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class CaIssuerDependent extends SharedCaDependent<Issuer> {

  public CaIssuerDependent() {
    super(Issuer.class, Names.CA_ISSUER);
  }

  @Override
  protected Issuer desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return CertificateModel.caIssuer(primary.getMetadata().getNamespace());
  }
}
