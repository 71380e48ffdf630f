package dev.portcullis.operator.model;

import dev.portcullis.operator.api.ExposeSpec;
import dev.portcullis.operator.api.SecureRegistry;
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
 * ({@code spec.expose}): one Ingress, or one Gateway API TLSRoute, per backend (the registry's
 * Service; the issuer's, with a token host). Every field a server would default is set as it
 * would default it, so the stored object equals the desired one.
 */
public final class ExposeModel {

  public static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
  public static final String TLS_ROUTE_VERSION = GATEWAY_GROUP + "/v1alpha2";
  public static final String TLS_ROUTE_CRD = "tlsroutes." + GATEWAY_GROUP;
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

  /** The TLSRoutes of {@code expose.gateway}, one per backend. */
  public static List<GenericKubernetesResource> tlsRoutes(SecureRegistry r) {
    ExposeSpec.Gateway spec = r.getSpec().expose == null ? null : r.getSpec().expose.gateway;
    if (spec == null) {
      return List.of();
    }
    return backends(r).stream().map(b -> tlsRoute(r, spec, b)).toList();
  }

  static GenericKubernetesResource tlsRoute(SecureRegistry r, ExposeSpec.Gateway spec,
      Backend b) {
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
    var backendRef = new LinkedHashMap<String, Object>();
    backendRef.put("group", "");
    backendRef.put("kind", "Service");
    backendRef.put("name", b.service());
    backendRef.put("port", b.port());
    backendRef.put("weight", 1);
    var routeSpec = new LinkedHashMap<String, Object>();
    routeSpec.put("parentRefs", parents);
    routeSpec.put("hostnames", List.of(b.host()));
    routeSpec.put("rules", List.of(Map.of("backendRefs", List.of(backendRef))));
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(TLS_ROUTE_VERSION).withKind("TLSRoute")
        .withMetadata(Meta.of(r, b.name()))
        .withAdditionalProperties(Map.of("spec", routeSpec))
        .build();
  }
}
