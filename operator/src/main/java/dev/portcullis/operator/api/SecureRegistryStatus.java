package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What the operator observed; written only when it changes (GitOps tools must see no drift). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecureRegistryStatus {

  public Long observedGeneration;

  @JsonPropertyDescription(
      "Ready; Pending (on its way); Degraded (the spec cannot be applied, the previous one still"
          + " serves); Failed (the spec cannot be applied and nothing serves).")
  public String phase;

  @JsonPropertyDescription("host:port clients push to and pull from.")
  public String endpoint;

  @JsonPropertyDescription("PEM of the CA that signed the server certificate, when it is known.")
  public String caBundle;

  @JsonPropertyDescription("Secret holding the server certificate and its CA (key ca.crt).")
  public String caSecretName;

  public Integer readyReplicas;

  @JsonPropertyDescription("The operator's last probe of /readyz over TLS.")
  public HealthStatus health;

  @JsonPropertyDescription("Expiry of the server certificate (cert-manager's status.notAfter).")
  public String certificateNotAfter;

  @JsonPropertyDescription("When cert-manager plans to renew the server certificate.")
  public String certificateRenewalTime;

  public List<Condition> conditions = new ArrayList<>();

  public Optional<Condition> condition(String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SecureRegistryStatus s)) {
      return false;
    }
    return Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(phase, s.phase)
        && Objects.equals(endpoint, s.endpoint)
        && Objects.equals(caBundle, s.caBundle)
        && Objects.equals(caSecretName, s.caSecretName)
        && Objects.equals(readyReplicas, s.readyReplicas)
        && Objects.equals(health, s.health)
        && Objects.equals(certificateNotAfter, s.certificateNotAfter)
        && Objects.equals(certificateRenewalTime, s.certificateRenewalTime)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, phase, endpoint, readyReplicas, conditions);
  }
}
