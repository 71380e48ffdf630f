package dev.portcullis.operator.dependent;

import dev.portcullis.operator.model.MonitoringModel;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Whether the Prometheus Operator's ServiceMonitor CRD is installed (see {@link CrdPresence} for
 * what is remembered).
 */
public final class PrometheusOperator {

  private static final CrdPresence CRDS = new CrdPresence(MonitoringModel.CRD);

  private PrometheusOperator() {}

  public static boolean installed(KubernetesClient client) {
    return CRDS.installed(client);
  }
}
