package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;

/** An ingress NetworkPolicy: the registry port only (the kubelet's probes come from the node). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkPolicySpec {

  @Default("false")
  public Boolean enabled;

  @JsonPropertyDescription("Who may connect to the registry port; empty means anyone.")
  public List<NetworkPolicyPeer> from;

  public boolean effectiveEnabled() {
    return Boolean.TRUE.equals(enabled);
  }
}
