package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Whether every node's containerd trusts (and, in MutualTLS mode, authenticates to) the registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeTrustSpec {

  @JsonPropertyDescription(
      "List the registry for the operator's node agent (one DaemonSet per cluster), which writes"
          + " /etc/containerd/certs.d/HOST:PORT/hosts.toml on every node for each name the registry"
          + " is reached by, with its CA (and, in MutualTLS mode, the nodes' client certificate).")
  @Default("false")
  public Boolean enabled;

  public boolean effectiveEnabled() {
    return Boolean.TRUE.equals(enabled);
  }
}
