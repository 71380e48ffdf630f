package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** How the registry is exposed inside (or outside) the cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.nodePort) || (has(self.type) && self.type in ['NodePort', 'LoadBalancer'])",
    message = "service.nodePort needs service.type NodePort or LoadBalancer")
public class ServiceSpec {

  public enum Type {
    ClusterIP,
    NodePort,
    LoadBalancer
  }

  @Default("ClusterIP")
  public Type type;

  @JsonPropertyDescription("Service port; the pod always listens on 5000.")
  @Default("5000")
  @Min(1)
  @Max(65535)
  public Integer port;

  @Min(30000)
  @Max(32767)
  public Integer nodePort;

  public Type effectiveType() {
    return type == null ? Type.ClusterIP : type;
  }

  public int effectivePort() {
    return port == null ? 5000 : port;
  }
}
