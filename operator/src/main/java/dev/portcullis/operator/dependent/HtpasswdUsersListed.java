package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Reconcile precondition of the operator's htpasswd Secret: Htpasswd mode with users listed in
 * the spec (with existingSecretRef the user's own Secret is mounted instead). False removes ours.
 */
public class HtpasswdUsersListed implements Condition<Object, SecureRegistry> {
  @Override
  public boolean isMet(
      DependentResource<Object, SecureRegistry> dependent,
      SecureRegistry primary,
      Context<SecureRegistry> context) {
    AuthSpec auth = primary.getSpec().effectiveAuth();
    if (auth.managedToken() != null) {
      return true; // the managed token issuer reads its users from the same Secret
    }
    return auth.effectiveMode() == AuthSpec.Mode.Htpasswd
        && auth.htpasswd != null
        && auth.htpasswd.users != null;
  }
}
