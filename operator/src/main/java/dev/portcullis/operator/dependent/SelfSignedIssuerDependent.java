package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.CertificateModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The SelfSigned Issuer that signs the namespace's bootstrap CA. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class SelfSignedIssuerDependent extends SharedCaDependent<Issuer> {

  public SelfSignedIssuerDependent() {
    super(Issuer.class, Names.SELF_SIGNED_ISSUER);
  }

  @Override
  protected Issuer desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return CertificateModel.selfSignedIssuer(primary.getMetadata().getNamespace());
  }
}
