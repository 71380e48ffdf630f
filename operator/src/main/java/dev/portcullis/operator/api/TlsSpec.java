package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Transport security, delegated to cert-manager. */
@JsonInclude(JsonInclude.Include.NON_NULL)
// A list map keyed by name: the API server enforces unique names at no CEL cost, and server-side apply merges
// entries by name instead of replacing the whole list.
@SchemaCustomizer(value = ListMapKeyedByName.class, input = "clientCertificates")
public class TlsSpec {
  /** Bounds the CEL rules' cost estimate (the API server rejects a CRD whose rules may cost too much). */
  static final int MAX_CLIENT_CERTIFICATES = 64;

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

  @JsonPropertyDescription(
      "Client certificates the operator issues through cert-manager, signed by the registry's"
          + " issuer, each into the Secret <registry>-client-<name> (tls.crt, tls.key, ca.crt):"
          + " for CI pipelines and the like. The names 'nodes' and 'probe' are reserved for the"
          + " operator's own (node trust, health probe).")
  @io.fabric8.generator.annotation.ValidationRule(
      value = "self.all(c, c.name != 'nodes' && c.name != 'probe')",
      message = "client certificate names 'nodes' and 'probe' are reserved")
  @Size(max = MAX_CLIENT_CERTIFICATES)
  public java.util.List<ClientCertificate> clientCertificates;

  @JsonPropertyDescription(
      "MutualTLS: also accept client certificates of this CA (a Secret of yours, PEM under key,"
          + " default ca.crt), besides the operator's.")
  public AuthSpec.SecretKeyRef clientCaSecretRef;

  public Mode effectiveMode() {
    return mode == null ? Mode.TLS : mode;
  }

  public java.util.List<ClientCertificate> effectiveClientCertificates() {
    return clientCertificates == null ? java.util.List.of() : clientCertificates;
  }

  /** A client certificate for mutual TLS, issued by cert-manager. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClientCertificate {
    @JsonPropertyDescription("Suffix of the Certificate and Secret: <registry>-client-<name>.")
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")
    @Size(max = 32)
    public String name;

    @JsonPropertyDescription("Subject CN, the identity the registry's access log shows; default the name.")
    public String commonName;

    @JsonPropertyDescription("Lifetime, a Go duration such as 2160h.")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
    public String duration;

    @JsonPropertyDescription("How long before expiry cert-manager renews, a Go duration.")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$")
    public String renewBefore;
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
