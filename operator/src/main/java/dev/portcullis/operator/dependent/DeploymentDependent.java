package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.DeploymentModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The registry pods. Its status (ready replicas) feeds the Available condition. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class DeploymentDependent extends CRUDKubernetesDependentResource<Deployment, SecureRegistry> {

  public DeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return DeploymentModel.desired(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.deployment(primary), primary.getMetadata().getNamespace());
  }
}
