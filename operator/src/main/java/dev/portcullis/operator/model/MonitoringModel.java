package dev.portcullis.operator.model;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceMonitorSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the Prometheus Operator needs to scrape a registry: a headless Service for the pods' debug
 * port and a ServiceMonitor selecting it. The registry serves /metrics on that port in plain HTTP
 * (the kubelet's probes share it, and they cannot present client certificates), so the
 * ServiceMonitor scrapes over http and references no CA; the client Service never exposes it.
 */
public final class MonitoringModel {

  public static final String GROUP = "monitoring.coreos.com";
  public static final String VERSION = "v1";
  public static final String KIND = "ServiceMonitor";
  public static final String PLURAL = "servicemonitors";
  public static final String CRD = PLURAL + "." + GROUP;
  /** The component label that tells the metrics Service from the client Service. */
  public static final String METRICS_COMPONENT = "metrics";
  /** Port name of the metrics Service, as the ServiceMonitor's endpoint names it. */
  public static final String PORT_NAME = "metrics";

  private MonitoringModel() {}

  public static boolean wanted(SecureRegistry r) {
    return r.getSpec().effectiveMonitoring().effectiveServiceMonitor().effectiveEnabled();
  }

  /** The same rule as the CRD's CEL, for servers that did not check it. */
  public static Optional<Problem> problem(SecureRegistry r) {
    var sm = r.getSpec().effectiveMonitoring().effectiveServiceMonitor();
    if (!sm.effectiveEnabled()) {
      return Optional.empty();
    }
    for (String d : new String[] {sm.interval, sm.scrapeTimeout}) {
      if (d != null && (d.length() < 2 || !d.matches(ServiceMonitorSpec.DURATION_PATTERN))) {
        return Optional.of(new Problem(ConditionTypes.MONITORING_UNAVAILABLE,
            "InvalidServiceMonitor", "monitoring.serviceMonitor: '" + d + "' is not a duration"
                + " of hours, minutes, seconds and milliseconds (e.g. 30s, 1m30s)"));
      }
    }
    if (sm.interval != null && sm.scrapeTimeout != null
        && GoDuration.parse(sm.scrapeTimeout).getDuration()
            .compareTo(GoDuration.parse(sm.interval).getDuration()) > 0) {
      return Optional.of(new Problem(ConditionTypes.MONITORING_UNAVAILABLE,
          "InvalidServiceMonitor", "monitoring.serviceMonitor.scrapeTimeout " + sm.scrapeTimeout
              + " exceeds interval " + sm.interval + ": Prometheus refuses such a target"));
    }
    return Optional.empty();
  }

  /**
   * With networkPolicy.enabled, the NetworkPolicy's rule admitting the scrapers named in
   * scrapeFrom to the metrics port; empty when there is none to add.
   */
  public static Optional<NetworkPolicyIngressRule> scrapeIngress(SecureRegistry r) {
    var sm = r.getSpec().effectiveMonitoring().effectiveServiceMonitor();
    if (!sm.effectiveEnabled() || sm.scrapeFrom == null || sm.scrapeFrom.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new NetworkPolicyIngressRuleBuilder()
        .withFrom(sm.scrapeFrom)
        .addNewPort().withProtocol("TCP").withPort(new IntOrString(Names.DEBUG_PORT)).endPort()
        .build());
  }

  /** With networkPolicy.enabled and no scrapeFrom: the metrics port is closed to Prometheus. */
  public static boolean metricsPortClosed(SecureRegistry r) {
    var np = r.getSpec().networkPolicy;
    return wanted(r) && np != null && np.effectiveEnabled() && scrapeIngress(r).isEmpty();
  }

  /** Labels of the metrics Service, and what the ServiceMonitor selects it by. */
  static Map<String, String> metricsSelector(SecureRegistry r) {
    var labels = new LinkedHashMap<>(Names.selectorLabels(r));
    labels.put(Names.COMPONENT_LABEL, METRICS_COMPONENT);
    return labels;
  }

  public static Service metricsService(SecureRegistry r) {
    var labels = new LinkedHashMap<>(Names.labels(r));
    labels.putAll(metricsSelector(r));
    return new ServiceBuilder()
        .withNewMetadata()
          .withName(Names.metricsService(r))
          .withNamespace(r.getMetadata().getNamespace())
          .withLabels(labels)
        .endMetadata()
        .withNewSpec()
          .withType("ClusterIP")
          // headless: Prometheus scrapes each pod, a virtual IP would only pick one
          .withClusterIP("None")
          .withSelector(Names.selectorLabels(r))
          .addNewPort()
            .withName(PORT_NAME)
            .withProtocol("TCP")
            .withPort(Names.DEBUG_PORT)
            .withTargetPort(new IntOrString("debug"))
          .endPort()
        .endSpec()
        .build();
  }

  public static ServiceMonitor serviceMonitor(SecureRegistry r) {
    var sm = r.getSpec().effectiveMonitoring().effectiveServiceMonitor();
    // the user's labels first: the operator's (its informers select by them) win
    var labels = new LinkedHashMap<String, String>();
    if (sm.labels != null) {
      labels.putAll(sm.labels);
    }
    labels.putAll(Names.labels(r));
    var endpoint = new LinkedHashMap<String, Object>();
    endpoint.put("port", PORT_NAME);
    endpoint.put("scheme", "http");
    endpoint.put("path", "/metrics");
    if (sm.interval != null) {
      endpoint.put("interval", sm.interval);
    }
    if (sm.scrapeTimeout != null) {
      endpoint.put("scrapeTimeout", sm.scrapeTimeout);
    }
    var spec = new LinkedHashMap<String, Object>();
    spec.put("selector", Map.of("matchLabels", metricsSelector(r)));
    spec.put("endpoints", List.of(endpoint));
    var monitor = new ServiceMonitor();
    monitor.setApiVersion(GROUP + "/" + VERSION);
    monitor.setKind(KIND);
    monitor.setMetadata(new ObjectMetaBuilder()
        .withName(Names.serviceMonitor(r))
        .withNamespace(r.getMetadata().getNamespace())
        .withLabels(labels)
        .build());
    monitor.setAdditionalProperty("spec", spec);
    return monitor;
  }
}
