package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.ProductionModel;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The garbage-collection CronJob. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class GcCronJobDependent extends OwnedDependent<CronJob> {

  public GcCronJobDependent() {
    super(CronJob.class);
  }

  @Override
  protected CronJob desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return ProductionModel.gcCronJob(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.gcCronJob(primary), primary.getMetadata().getNamespace());
  }
}
