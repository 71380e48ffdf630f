package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.TokenIssuerModel;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The managed token issuer's ConfigMap. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AuthServerConfigMapDependent extends OwnedDependent<ConfigMap> {

  public AuthServerConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return TokenIssuerModel.configMap(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.authServerConfig(primary), primary.getMetadata().getNamespace());
  }
}
