package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

/**
 * Pull secrets in other namespaces: a kubernetes.io/dockerconfigjson Secret holding the
 * credentials of a generated pull-only robot account, attached to the named ServiceAccounts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PullSecretsSpec {

  @JsonPropertyDescription(
      "Namespaces that get the pull secret. Beyond the registry's own namespace, only those the"
          + " cluster's admin opened in the operator's configuration; the others are named in the"
          + " PullSecretTargetsRefused condition.")
  @Size(max = 64)
  public List<@Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") @Size(max = 63) String> namespaces;

  @JsonPropertyDescription(
      "Namespaces selected by label get it too, within the same admin policy.")
  public LabelSelector namespaceSelector;

  @JsonPropertyDescription(
      "ServiceAccounts of those namespaces whose imagePullSecrets name it (default: default).")
  public List<String> serviceAccounts;

  @JsonPropertyDescription("How often the robot's password is replaced, a Go duration (default 720h).")
  @Default("720h")
  @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
  public String rotationInterval;

  public List<String> effectiveNamespaces() {
    return namespaces == null ? List.of() : namespaces;
  }

  public List<String> effectiveServiceAccounts() {
    return serviceAccounts == null ? List.of("default") : serviceAccounts;
  }

  public String effectiveRotationInterval() {
    return rotationInterval == null ? "720h" : rotationInterval;
  }
}
