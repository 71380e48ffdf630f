package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * How the registry (and its managed token issuer) is reached from outside the cluster: an Ingress
 * or Gateway API routes the operator creates and owns. The external host names become the
 * registry's hosts (server certificate, pull secrets, node trust, {@code status.endpoint}); the
 * token host the realm clients fetch tokens from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExposeSpec {

  /** A DNS-1123 host name, no port: clients reach it on 443. */
  public static final String HOST_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  public static final int HOST_MAX = 253;

  @JsonPropertyDescription("An Ingress (networking.k8s.io/v1); annotations for ingress-nginx are"
      + " set, see docs/secureregistry.md.")
  public Ingress ingress;

  @JsonPropertyDescription("Gateway API routes attached to an existing Gateway: TLSRoutes (TLS"
      + " passed through to the registry) or HTTPRoutes with a BackendTLSPolicy (the Gateway"
      + " terminates TLS and re-encrypts to the registry).")
  public Gateway gateway;

  /** How TLS crosses the Gateway. */
  public enum GatewayMode {
    /** A TLSRoute: the Gateway's Passthrough listener forwards the TLS stream. */
    TLSPassthrough,
    /**
     * An HTTPRoute and a BackendTLSPolicy: the Gateway's HTTPS listener terminates TLS with its
     * own certificate and re-encrypts to the registry, verified against the namespace CA.
     */
    BackendTLS
  }

  /** How TLS crosses the ingress controller. */
  public enum IngressTls {
    /** The controller forwards the TLS stream; the registry's certificate reaches clients. */
    Passthrough,
    /** The controller terminates TLS with the registry's certificate and re-encrypts to it. */
    Reencrypt
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!has(self.tokenHost) || self.tokenHost != self.host",
      message = "expose.ingress.tokenHost must differ from expose.ingress.host")
  public static class Ingress {

    @JsonPropertyDescription("IngressClass name (spec.ingressClassName); unset: the cluster's"
        + " default class.")
    @Size(max = HOST_MAX)
    public String className;

    @JsonPropertyDescription("External host name of the registry (no port: 443).")
    @Required
    @Pattern(HOST_PATTERN)
    @Size(max = HOST_MAX)
    public String host;

    @JsonPropertyDescription("External host name of the managed token issuer (its own Ingress);"
        + " the token realm becomes https://<tokenHost>/auth.")
    @Pattern(HOST_PATTERN)
    @Size(max = HOST_MAX)
    public String tokenHost;

    @JsonPropertyDescription("Passthrough (default: the controller forwards TLS, ingress-nginx"
        + " needs --enable-ssl-passthrough; required with MutualTLS) or Reencrypt (the"
        + " controller terminates TLS with the registry's certificate and verifies the registry's"
        + " with the namespace CA).")
    @Default("Passthrough")
    public IngressTls tls;

    @JsonPropertyDescription("Extra annotations of the Ingress; they win over the operator's.")
    @Size(max = 32)
    public Map<String, @Size(max = 4096) String> annotations;

    public IngressTls effectiveTls() {
      return tls == null ? IngressTls.Passthrough : tls;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!has(self.tokenHost) || self.tokenHost != self.host",
      message = "expose.gateway.tokenHost must differ from expose.gateway.host")
  public static class Gateway {

    @JsonPropertyDescription("The Gateways (their TLS listeners in Passthrough mode) the routes"
        + " attach to.")
    @Required
    @Size(min = 1, max = 8)
    public List<ParentRef> parentRefs;

    @JsonPropertyDescription("External host name of the registry (the route's hostname).")
    @Required
    @Pattern(HOST_PATTERN)
    @Size(max = HOST_MAX)
    public String host;

    @JsonPropertyDescription("External host name of the managed token issuer (its own route);"
        + " the token realm becomes https://<tokenHost>/auth.")
    @Pattern(HOST_PATTERN)
    @Size(max = HOST_MAX)
    public String tokenHost;

    @JsonPropertyDescription("TLSPassthrough (default: a TLSRoute, for a Passthrough listener;"
        + " required with MutualTLS) or BackendTLS (an HTTPRoute and a BackendTLSPolicy, for an"
        + " HTTPS listener with the Gateway's own certificate).")
    @Default("TLSPassthrough")
    public GatewayMode mode;

    public GatewayMode effectiveMode() {
      return mode == null ? GatewayMode.TLSPassthrough : mode;
    }
  }

  /** A Gateway, as Gateway API's ParentReference names it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ParentRef {
    @Required
    @Size(min = 1, max = 253)
    public String name;

    @JsonPropertyDescription("The Gateway's namespace; unset: the registry's.")
    @Size(max = 63)
    public String namespace;

    @JsonPropertyDescription("The listener of the Gateway.")
    @Size(max = 253)
    public String sectionName;
  }

  /** The registry's external host, if exposed. */
  public String host() {
    return ingress != null ? ingress.host : gateway != null ? gateway.host : null;
  }

  /** The token issuer's external host, if exposed. */
  public String tokenHost() {
    return ingress != null ? ingress.tokenHost : gateway != null ? gateway.tokenHost : null;
  }
}
