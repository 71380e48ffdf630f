package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;
import java.util.Map;

/**
 * The registry's ServiceMonitor. Durations are the part of Prometheus' syntax that CEL's
 * duration() also reads (h, m, s, ms), so the schema can compare them: Prometheus refuses a
 * target whose scrape timeout exceeds its interval.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.interval) || !has(self.scrapeTimeout)"
        + " || duration(self.scrapeTimeout) <= duration(self.interval)",
    message = "monitoring.serviceMonitor.scrapeTimeout must not exceed interval")
public class ServiceMonitorSpec {

  public static final String DURATION_PATTERN = "^([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$";
  public static final int MAX_LABELS = 16;

  @Default("false")
  public Boolean enabled;

  @JsonPropertyDescription(
      "How often Prometheus scrapes, e.g. 30s or 1m (h, m, s, ms); Prometheus' global interval"
          + " when left out.")
  @Pattern(DURATION_PATTERN)
  @Size(min = 2, max = 20)
  public String interval;

  @JsonPropertyDescription(
      "How long a scrape may take, at most the interval; Prometheus' global timeout when left"
          + " out.")
  @Pattern(DURATION_PATTERN)
  @Size(min = 2, max = 20)
  public String scrapeTimeout;

  @JsonPropertyDescription(
      "Extra labels of the ServiceMonitor, e.g. the one a Prometheus' serviceMonitorSelector"
          + " picks (release: kube-prometheus-stack). The operator's own labels take precedence.")
  @Size(max = MAX_LABELS)
  public Map<String, @Size(max = 63) String> labels;

  @JsonPropertyDescription(
      "With networkPolicy.enabled: who may reach the registry pods' metrics port 5001 (Prometheus'"
          + " pods, e.g. a namespaceSelector matching its namespace). Without it the NetworkPolicy"
          + " admits the registry port only and Prometheus cannot scrape (MonitoringUnavailable"
          + " says so).")
  @Size(max = 16)
  public List<NetworkPolicyPeer> scrapeFrom;

  public boolean effectiveEnabled() {
    return Boolean.TRUE.equals(enabled);
  }
}
