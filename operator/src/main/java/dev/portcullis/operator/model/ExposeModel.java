package dev.portcullis.operator.model;

import dev.portcullis.operator.api.ExposeSpec;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The objects that expose a registry and its managed token issuer outside the cluster
 * ({@code spec.expose}): per backend (the registry's Service; the issuer's, with a token host) an
 * Ingress, a Gateway API TLSRoute, or an HTTPRoute with a BackendTLSPolicy. Every field a server would default is set as it
 * would default it, so the stored object equals the desired one.
 */
public final class ExposeModel {

  public static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
  public static final String TLS_ROUTE_VERSION = GATEWAY_GROUP + "/v1alpha2";
  public static final String TLS_ROUTE_CRD = "tlsroutes." + GATEWAY_GROUP;
  public static final String HTTP_ROUTE_VERSION = GATEWAY_GROUP + "/v1";
  public static final String HTTP_ROUTE_CRD = "httproutes." + GATEWAY_GROUP;
  /** Gateway API 1.1 to 1.3 (experimental channel) serve BackendTLSPolicy as v1alpha3. */
  public static final String BACKEND_TLS_POLICY_VERSION = GATEWAY_GROUP + "/v1alpha3";
  public static final String BACKEND_TLS_POLICY_CRD = "backendtlspolicies." + GATEWAY_GROUP;
  public static final String CA_KEY = "ca.crt";
  static final String NGINX = "nginx.ingress.kubernetes.io/";
  /**
   * A blob upload or pull can last as long as the network needs: ingress-nginx's 60 s default
   * read/send timeouts cut large layers off, and its 1 MiB body limit refuses them outright.
   */
  static final String BLOB_TIMEOUT_SECONDS = "900";

  private ExposeModel() {}

  /** One exposed backend: the registry, or the token issuer. */
  public record Backend(String name, String host, String service, int port, String tlsSecret) {}

  /** The registry, then the token issuer when it has a token host. */
  public static List<Backend> backends(SecureRegistry r) {
    ExposeSpec e = r.getSpec().expose;
    if (e == null || e.host() == null) {
      return List.of();
    }
    var out = new ArrayList<Backend>();
    out.add(new Backend(Names.service(r), e.host(), Names.service(r),
        r.getSpec().effectiveService().effectivePort(), Names.tlsSecret(r)));
    if (e.tokenHost() != null && r.getSpec().effectiveAuth().managedToken() != null) {
      out.add(new Backend(Names.authServer(r), e.tokenHost(), Names.authServer(r),
          TokenIssuerModel.PORT, Names.authServerTls(r)));
    }
    return out;
  }

  /** The Ingresses of {@code expose.ingress}, one per backend. */
  public static List<Ingress> ingresses(SecureRegistry r) {
    ExposeSpec.Ingress spec = r.getSpec().expose == null ? null : r.getSpec().expose.ingress;
    if (spec == null) {
      return List.of();
    }
    return backends(r).stream().map(b -> ingress(r, spec, b)).toList();
  }

  static Ingress ingress(SecureRegistry r, ExposeSpec.Ingress spec, Backend b) {
    String ns = r.getMetadata().getNamespace();
    var annotations = new TreeMap<String, String>();
    annotations.put(NGINX + "backend-protocol", "HTTPS");
    boolean passthrough = spec.effectiveTls() == ExposeSpec.IngressTls.Passthrough;
    if (passthrough) {
      annotations.put(NGINX + "ssl-passthrough", "true");
    } else {
      // the controller sees HTTP: it must stream blobs of any size, unbuffered, for long
      annotations.put(NGINX + "proxy-body-size", "0");
      annotations.put(NGINX + "proxy-request-buffering", "off");
      annotations.put(NGINX + "proxy-read-timeout", BLOB_TIMEOUT_SECONDS);
      annotations.put(NGINX + "proxy-send-timeout", BLOB_TIMEOUT_SECONDS);
      // and verify the backend as any client would: the namespace CA, the Service's DNS name
      annotations.put(NGINX + "proxy-ssl-verify", "on");
      annotations.put(NGINX + "proxy-ssl-secret", ns + "/" + b.tlsSecret());
      annotations.put(NGINX + "proxy-ssl-name", b.service() + "." + ns + ".svc");
      annotations.put(NGINX + "proxy-ssl-server-name", "on");
    }
    if (spec.annotations != null) {
      annotations.putAll(spec.annotations);
    }
    var builder = new IngressBuilder()
        .withMetadata(Meta.of(r, b.name()))
        .editMetadata().withAnnotations(new LinkedHashMap<>(annotations)).endMetadata()
        .withNewSpec()
          .withIngressClassName(spec.className)
          .addNewRule().withHost(b.host()).withNewHttp()
            .addNewPath().withPath("/").withPathType("Prefix").withNewBackend().withNewService()
              .withName(b.service()).withNewPort().withNumber(b.port()).endPort().endService()
            .endBackend().endPath()
          .endHttp().endRule()
        .endSpec();
    if (!passthrough) {
      // the controller presents the backend's own certificate, which names the external host
      builder.editSpec().addNewTl().withHosts(b.host()).withSecretName(b.tlsSecret()).endTl()
          .endSpec();
    }
    return builder.build();
  }

  /** The TLSRoutes of {@code expose.gateway} in TLSPassthrough mode, one per backend. */
  public static List<GenericKubernetesResource> tlsRoutes(SecureRegistry r) {
    ExposeSpec.Gateway spec = gateway(r, ExposeSpec.GatewayMode.TLSPassthrough);
    if (spec == null) {
      return List.of();
    }
    return backends(r).stream().map(b -> tlsRoute(r, spec, b)).toList();
  }

  /**
   * In BackendTLS mode, per backend an HTTPRoute and the BackendTLSPolicy that has the Gateway
   * verify the backend against the namespace CA ({@link #backendCa}) under its Service name.
   */
  public static List<GenericKubernetesResource> backendTlsRoutes(SecureRegistry r) {
    ExposeSpec.Gateway spec = gateway(r, ExposeSpec.GatewayMode.BackendTLS);
    if (spec == null) {
      return List.of();
    }
    var out = new ArrayList<GenericKubernetesResource>();
    for (Backend b : backends(r)) {
      var routeSpec = new LinkedHashMap<String, Object>();
      routeSpec.put("parentRefs", parentRefs(spec));
      routeSpec.put("hostnames", List.of(b.host()));
      // the match the CRD's schema defaults to, written out
      routeSpec.put("rules", List.of(Map.of(
          "matches", List.of(Map.of("path", Map.of("type", "PathPrefix", "value", "/"))),
          "backendRefs", List.of(serviceRef(b)))));
      out.add(new GenericKubernetesResourceBuilder()
          .withApiVersion(HTTP_ROUTE_VERSION).withKind("HTTPRoute")
          .withMetadata(Meta.of(r, b.name()))
          .withAdditionalProperties(Map.of("spec", routeSpec))
          .build());
      var policySpec = new LinkedHashMap<String, Object>();
      policySpec.put("targetRefs", List.of(Map.of("group", "", "kind", "Service",
          "name", b.service())));
      policySpec.put("validation", Map.of(
          "caCertificateRefs", List.of(Map.of("group", "", "kind", "ConfigMap",
              "name", Names.backendCa(r))),
          "hostname", b.service() + "." + r.getMetadata().getNamespace() + ".svc"));
      out.add(new GenericKubernetesResourceBuilder()
          .withApiVersion(BACKEND_TLS_POLICY_VERSION).withKind("BackendTLSPolicy")
          .withMetadata(Meta.of(r, b.name()))
          .withAdditionalProperties(Map.of("spec", policySpec))
          .build());
    }
    return out;
  }

  /**
   * The namespace CA for BackendTLSPolicy, which reads CA certificates from ConfigMaps only: a
   * copy of the public {@code ca.crt} of the registry's TLS Secret.
   */
  public static ConfigMap backendCa(SecureRegistry r, String caPem) {
    return new ConfigMapBuilder().withMetadata(Meta.of(r, Names.backendCa(r)))
        .withData(Map.of(CA_KEY, caPem)).build();
  }

  /** Whether {@code expose} asks for BackendTLS routes (and so the CA ConfigMap). */
  public static boolean backendTls(SecureRegistry r) {
    return gateway(r, ExposeSpec.GatewayMode.BackendTLS) != null;
  }

  private static ExposeSpec.Gateway gateway(SecureRegistry r, ExposeSpec.GatewayMode mode) {
    ExposeSpec.Gateway spec = r.getSpec().expose == null ? null : r.getSpec().expose.gateway;
    return spec == null || spec.effectiveMode() != mode ? null : spec;
  }

  private static List<Map<String, Object>> parentRefs(ExposeSpec.Gateway spec) {
    var parents = new ArrayList<Map<String, Object>>();
    for (ExposeSpec.ParentRef p : spec.parentRefs) {
      // group and kind as the CRD's schema defaults them
      var ref = new LinkedHashMap<String, Object>();
      ref.put("group", GATEWAY_GROUP);
      ref.put("kind", "Gateway");
      ref.put("name", p.name);
      if (p.namespace != null) {
        ref.put("namespace", p.namespace);
      }
      if (p.sectionName != null) {
        ref.put("sectionName", p.sectionName);
      }
      parents.add(ref);
    }
    return parents;
  }

  private static Map<String, Object> serviceRef(Backend b) {
    var backendRef = new LinkedHashMap<String, Object>();
    backendRef.put("group", "");
    backendRef.put("kind", "Service");
    backendRef.put("name", b.service());
    backendRef.put("port", b.port());
    backendRef.put("weight", 1);
    return backendRef;
  }

  static GenericKubernetesResource tlsRoute(SecureRegistry r, ExposeSpec.Gateway spec,
      Backend b) {
    var routeSpec = new LinkedHashMap<String, Object>();
    routeSpec.put("parentRefs", parentRefs(spec));
    routeSpec.put("hostnames", List.of(b.host()));
    routeSpec.put("rules", List.of(Map.of("backendRefs", List.of(serviceRef(b)))));
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(TLS_ROUTE_VERSION).withKind("TLSRoute")
        .withMetadata(Meta.of(r, b.name()))
        .withAdditionalProperties(Map.of("spec", routeSpec))
        .build();
  }
}
