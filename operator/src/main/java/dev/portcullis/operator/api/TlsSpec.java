package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Transport security, delegated to cert-manager. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsSpec {

  public enum Mode {
    TLS,
    MutualTLS,
    Disabled
  }

  @JsonPropertyDescription(
      "TLS (default), MutualTLS (clients present certificates of the registry CA) or Disabled"
          + " (plain HTTP: for tests only).")
  @Default("TLS")
  public Mode mode;

  @JsonPropertyDescription(
      "cert-manager Issuer or ClusterIssuer to sign the server certificate, e.g. Let's Encrypt."
          + " Without it the operator bootstraps a CA of its own in the namespace.")
  public IssuerRef issuerRef;

  @JsonPropertyDescription("Lifetime of the server certificate, a Go duration such as 2160h.")
  @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
  public String duration;

  @JsonPropertyDescription("How long before expiry cert-manager renews, a Go duration such as 360h.")
  @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
  public String renewBefore;

  public Mode effectiveMode() {
    return mode == null ? Mode.TLS : mode;
  }

  /** A reference to a cert-manager issuer. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class IssuerRef {
    @Required public String name;

    @JsonPropertyDescription("Issuer (default) or ClusterIssuer.")
    @Default("Issuer")
    @Pattern("^(Issuer|ClusterIssuer)$")
    public String kind;

    @Default("cert-manager.io")
    public String group;

    public String effectiveKind() {
      return kind == null ? "Issuer" : kind;
    }

    public String effectiveGroup() {
      return group == null ? "cert-manager.io" : group;
    }
  }
}
