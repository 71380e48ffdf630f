package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** The operator's last probe of the registry's /readyz, over TLS on the registry port. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthStatus {

  public String lastProbeTime;

  @JsonPropertyDescription("ok, starting, unhealthy, exhausted, draining (the registry's word) or unreachable.")
  public String status;

  @JsonPropertyDescription("Round trip of the probe, TLS handshake included.")
  public Long latencyMillis;

  @JsonPropertyDescription("Why the probe failed, when it did.")
  public String message;

  public List<Check> checks;

  /** One of the registry's checks, as /readyz reports it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Check {
    public String name;
    public String status;
    public String lastCheck;
    public Long latencyMillis;
    public Integer consecutiveFailures;
    public String message;

    @Override
    public boolean equals(Object o) {
      return o instanceof Check c && Objects.equals(name, c.name) && Objects.equals(status, c.status)
          && Objects.equals(lastCheck, c.lastCheck) && Objects.equals(latencyMillis, c.latencyMillis)
          && Objects.equals(consecutiveFailures, c.consecutiveFailures)
          && Objects.equals(message, c.message);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, status);
    }
  }

  public boolean healthy() {
    return "ok".equals(status);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HealthStatus h && Objects.equals(lastProbeTime, h.lastProbeTime)
        && Objects.equals(status, h.status) && Objects.equals(latencyMillis, h.latencyMillis)
        && Objects.equals(message, h.message) && Objects.equals(checks, h.checks);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lastProbeTime, status);
  }
}
