package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.TokenIssuerModel;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The managed token issuer's Service. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AuthServerServiceDependent extends OwnedDependent<Service> {

  public AuthServerServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return TokenIssuerModel.service(primary, true);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.authServer(primary), primary.getMetadata().getNamespace());
  }
}
