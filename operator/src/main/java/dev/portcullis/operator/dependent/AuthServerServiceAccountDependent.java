package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.TokenIssuerModel;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The managed token issuer's ServiceAccount, with kubernetes login only. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AuthServerServiceAccountDependent
    extends OwnedDependent<ServiceAccount> {

  public AuthServerServiceAccountDependent() {
    super(ServiceAccount.class);
  }

  @Override
  protected ServiceAccount desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return TokenIssuerModel.serviceAccount(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.authServer(primary), primary.getMetadata().getNamespace());
  }

  /** Reconcile precondition: managed issuer with kubernetes.enabled. */
  public static class LoginEnabled implements Condition<Object, SecureRegistry> {
    @Override
    public boolean isMet(DependentResource<Object, SecureRegistry> d, SecureRegistry primary,
        Context<SecureRegistry> context) {
      return primary.getSpec().effectiveAuth().managedToken() != null
          && TokenIssuerModel.loginWithServiceAccounts(primary);
    }
  }
}
