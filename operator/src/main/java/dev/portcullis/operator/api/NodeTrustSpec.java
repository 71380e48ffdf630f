package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** Whether every node's containerd trusts (and, in MutualTLS mode, authenticates to) the registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeTrustSpec {

  public static final String DEFAULT_BIN_DIR = "/usr/local/lib/portcullis/credential-provider";
  public static final String DEFAULT_CONFIG_PATH =
      "/etc/kubernetes/image-credential-provider/config.yaml";

  @JsonPropertyDescription(
      "List the registry for the operator's node agent (one DaemonSet per cluster), which writes"
          + " /etc/containerd/certs.d/HOST:PORT/hosts.toml on every node for each name the registry"
          + " is reached by, with its CA (and, in MutualTLS mode, the nodes' client certificate).")
  @Default("false")
  public Boolean enabled;

  @JsonPropertyDescription(
      "Pods pull with their own ServiceAccount token, no imagePullSecrets: the node agent installs"
          + " the kubelet image credential provider for this registry. The kubelet must run with"
          + " --image-credential-provider-bin-dir=binDir and"
          + " --image-credential-provider-config=configPath (Kubernetes 1.34+, KEP-4412).")
  public CredentialProvider credentialProvider;

  public boolean effectiveEnabled() {
    return Boolean.TRUE.equals(enabled);
  }

  /** The provider's settings when it is on, else null. */
  public CredentialProvider enabledCredentialProvider() {
    return credentialProvider != null && Boolean.TRUE.equals(credentialProvider.enabled)
        ? credentialProvider : null;
  }

  /** The kubelet image credential provider the node agent installs on every node. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CredentialProvider {
    @JsonPropertyDescription("Install the provider; needs nodeTrust.enabled and auth.mode Token"
        + " with the managed issuer's kubernetes logins.")
    @Default("false")
    public Boolean enabled;

    @JsonPropertyDescription("The audience the kubelet requests the pod's token for"
        + " (tokenAttributes.serviceAccountTokenAudience); one of"
        + " auth.token.managed.kubernetes.audiences. Default: the first of them.")
    public String audience;

    @JsonPropertyDescription("The host folder of the kubelet's --image-credential-provider-bin-dir."
        + " One value for the cluster: the node agent is one DaemonSet.")
    @Pattern("^/[^\\s]*[^/\\s]$")
    @Default(DEFAULT_BIN_DIR)
    public String binDir;

    @JsonPropertyDescription("The host file of the kubelet's --image-credential-provider-config;"
        + " other providers in it are kept. The node agent mounts its folder: give it one of its"
        + " own. One value for the cluster.")
    @Pattern("^/[^\\s]+/[^/\\s]+$")
    @Default(DEFAULT_CONFIG_PATH)
    public String configPath;

    public String effectiveBinDir() {
      return binDir == null ? DEFAULT_BIN_DIR : binDir;
    }

    public String effectiveConfigPath() {
      return configPath == null ? DEFAULT_CONFIG_PATH : configPath;
    }
  }
}
