package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.DeploymentModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.MountedSecretsFingerprint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;

/**
 * The registry pods. Its status (ready replicas) feeds the Available condition. The reconciler
 * hands over the token CA's fingerprint (managed token issuer) and the fingerprint of the Secrets
 * the registry reads at start through the workflow context.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class DeploymentDependent extends OwnedDependent<Deployment> {

  /** Key of the token CA's fingerprint (a String) in the workflow context. */
  public static final String TOKEN_CA = "portcullis.token-ca";

  /**
   * Key of the {@link MountedSecretsFingerprint} (a String) in the workflow context: the reconciler
   * reads the Secrets from its informer.
   */
  public static final String MOUNTED_SECRETS = "portcullis.mounted-secrets";

  public DeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(SecureRegistry primary, Context<SecureRegistry> context) {
    var shared = context.managedWorkflowAndDependentResourceContext();
    Deployment desired = DeploymentModel.desired(primary, shared.get(TOKEN_CA, String.class)
        .orElse(null));
    return MountedSecretsFingerprint.annotate(desired,
        shared.get(MOUNTED_SECRETS, String.class).orElse(null));
  }

  /**
   * The API server stores quantities in canonical form ("1000m" comes back as "1"); JOSDK's
   * generic matcher compares their text and would update forever. Numerically equal quantities
   * are taken from the actual object before matching.
   */
  @Override
  public Matcher.Result<Deployment> match(
      Deployment actual, Deployment desired, SecureRegistry primary,
      Context<SecureRegistry> context) {
    Quantities.alignContainerResources(
        desired.getSpec().getTemplate().getSpec().getContainers(),
        actual.getSpec() == null || actual.getSpec().getTemplate() == null
            ? List.of()
            : actual.getSpec().getTemplate().getSpec().getContainers());
    return super.match(actual, desired, primary, context);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.deployment(primary), primary.getMetadata().getNamespace());
  }
}
