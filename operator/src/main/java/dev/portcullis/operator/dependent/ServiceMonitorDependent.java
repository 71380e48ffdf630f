package dev.portcullis.operator.dependent;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.MonitoringModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.ServiceMonitor;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** The registry's ServiceMonitor, with the Prometheus Operator installed and monitoring asked for. */
@KubernetesDependent(informer = @Informer(labelSelector = Names.MANAGED_SELECTOR))
public class ServiceMonitorDependent extends OwnedDependent<ServiceMonitor> {

  public ServiceMonitorDependent() {
    super(ServiceMonitor.class);
  }

  @Override
  protected ServiceMonitor desired(SecureRegistry primary, Context<SecureRegistry> context) {
    return MonitoringModel.serviceMonitor(primary);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      SecureRegistry primary, Context<SecureRegistry> context) {
    return new ResourceID(Names.serviceMonitor(primary), primary.getMetadata().getNamespace());
  }
}
