package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How the registry is watched: its metrics scraped by the Prometheus Operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MonitoringSpec {

  @JsonPropertyDescription(
      "A ServiceMonitor (monitoring.coreos.com/v1) for the registry's /metrics, made when the"
          + " Prometheus Operator's CRD is installed (else the MonitoringUnavailable condition says"
          + " so).")
  public ServiceMonitorSpec serviceMonitor;

  public ServiceMonitorSpec effectiveServiceMonitor() {
    return serviceMonitor == null ? new ServiceMonitorSpec() : serviceMonitor;
  }
}
