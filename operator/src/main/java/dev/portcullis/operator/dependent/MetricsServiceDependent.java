package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.MonitoringModel;
import dev.portcullis.operator.model.Names;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The headless Service of the registry pods' metrics port, for the ServiceMonitor. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class MetricsServiceDependent extends OwnedDependent<Service> {

  public MetricsServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return MonitoringModel.metricsService(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.metricsService(primary), primary.getMetadata().getNamespace());
  }
}
