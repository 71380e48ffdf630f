package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.MountedSecretsFingerprint;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.TokenIssuerModel;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * The managed token issuer's Deployment. The reconciler hands over the signing certificate's
 * fingerprint through the workflow context (it reads the Secret from its informer), so that a
 * renewal rolls the issuer onto the new key, and the fingerprint of its backends' Secrets, so
 * that a rotated bind password or connection string rolls it too.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class AuthServerDeploymentDependent extends OwnedDependent<Deployment> {

  /** Key of the signing certificate's fingerprint (a String) in the workflow context. */
  public static final String SIGNER = "portcullis.token-signer";

  /**
   * Key of the issuer's {@link MountedSecretsFingerprint} (a String) in the workflow context: its
   * backends' Secrets, read at start.
   */
  public static final String MOUNTED_SECRETS = "portcullis.auth-server-mounted-secrets";

  public AuthServerDeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(SecureRegistry primary, Context<SecureRegistry> context) {
    var shared = context.managedWorkflowAndDependentResourceContext();
    String signer = shared.get(SIGNER, String.class).orElse(null);
    return MountedSecretsFingerprint.annotate(TokenIssuerModel.deployment(primary, signer),
        shared.get(MOUNTED_SECRETS, String.class).orElse(null));
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.authServer(primary), primary.getMetadata().getNamespace());
  }
}
