package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.ExposeModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Owners;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes the Ingresses or TLSRoutes of {@code spec.expose} ({@link ExposeModel}), owned by the
 * registry, and deletes the ones it no longer asks for. Each object carries the hash of what was
 * written: it is rewritten only when the desired content changes, whatever the server or an
 * ingress controller adds (defaults, status), so a reconcile at rest writes nothing. A cluster
 * without Gateway API's TLSRoute CRD is a condition, not a failed reconcile.
 */
public final class ExposurePublisher {

  static final String HASH_ANNOTATION = "portcullis.dev/content-hash";
  static final ResourceDefinitionContext TLS_ROUTES = new ResourceDefinitionContext.Builder()
      .withGroup(ExposeModel.GATEWAY_GROUP).withVersion("v1alpha2").withKind("TLSRoute")
      .withPlural("tlsroutes").withNamespaced(true).build();

  /** What was done, for the {@value ConditionTypes#EXPOSED} condition; null: nothing exposed. */
  public record Outcome(boolean ok, String reason, String message) {}

  private ExposurePublisher() {}

  public static Outcome publish(KubernetesClient client, SecureRegistry r) {
    var expose = r.getSpec().expose;
    boolean wasExposed = r.getStatus() != null
        && r.getStatus().condition(ConditionTypes.EXPOSED).isPresent();
    if ((expose == null || expose.host() == null) && !wasExposed) {
      return null; // never exposed: nothing to write, nothing to look for
    }
    String ns = r.getMetadata().getNamespace();
    Set<String> names = Set.of(Names.service(r), Names.authServer(r));
    var ingresses = ExposeModel.ingresses(r);
    var routes = ExposeModel.tlsRoutes(r);
    var blocked = new ArrayList<String>();
    // Ingresses: networking.k8s.io/v1 is in every supported cluster
    for (Ingress i : ingresses) {
      ensure(client, r, i, n -> client.network().v1().ingresses().inNamespace(ns).withName(n),
          blocked);
    }
    for (String n : names) {
      if (ingresses.stream().noneMatch(i -> i.getMetadata().getName().equals(n))) {
        deleteIfOwned(client.network().v1().ingresses().inNamespace(ns).withName(n), r);
      }
    }
    // only a registry asking for routes, or that had some, asks whether Gateway API is there
    boolean hadRoutes = wasExposed && r.getStatus().condition(ConditionTypes.EXPOSED)
        .map(c -> c.getMessage() != null && (c.getMessage().startsWith("TLSRoute")
            || "GatewayAPIMissing".equals(c.getReason()))).orElse(false);
    boolean gatewayApi = (!routes.isEmpty() || hadRoutes) && GatewayApi.installed(client);
    if (!routes.isEmpty() && !gatewayApi) {
      return new Outcome(false, "GatewayAPIMissing", "Gateway API's TLSRoute CRD ("
          + ExposeModel.TLS_ROUTE_CRD + ") is not installed: install Gateway API's experimental"
          + " channel and a controller that supports TLSRoute, or use expose.ingress");
    }
    if (gatewayApi) {
      var tlsRoutes = client.genericKubernetesResources(TLS_ROUTES).inNamespace(ns);
      for (GenericKubernetesResource route : routes) {
        ensure(client, r, route, tlsRoutes::withName, blocked);
      }
      for (String n : names) {
        if (routes.stream().noneMatch(t -> t.getMetadata().getName().equals(n))) {
          deleteIfOwned(tlsRoutes.withName(n), r);
        }
      }
    }
    if (!blocked.isEmpty()) {
      return new Outcome(false, "ObjectInTheWay", String.join("; ", blocked)
          + ": not created by Portcullis for this registry; rename or delete it");
    }
    if (expose == null || expose.host() == null) {
      return null;
    }
    var said = new ArrayList<String>();
    for (var b : ExposeModel.backends(r)) {
      said.add((ingresses.isEmpty() ? "TLSRoute " : "Ingress ") + b.name() + " routes "
          + b.host() + " to Service " + b.service() + ":" + b.port());
    }
    String mode = expose.ingress != null
        ? " (TLS " + expose.ingress.effectiveTls() + ")" : " (TLS passed through)";
    return new Outcome(true, "Exposed", String.join("; ", said) + mode);
  }

  private static <T extends HasMetadata> void ensure(KubernetesClient client, SecureRegistry r,
      T desired, Function<String, Resource<T>> byName, List<String> blocked) {
    String hash = hash(client.getKubernetesSerialization().asJson(desired));
    Resource<T> live = byName.apply(desired.getMetadata().getName());
    T existing = live.get();
    if (existing != null && !Owners.isControlledBy(existing, r)) {
      blocked.add(desired.getKind() + " " + desired.getMetadata().getName());
      return;
    }
    var annotations = new LinkedHashMap<String, String>();
    if (desired.getMetadata().getAnnotations() != null) {
      annotations.putAll(desired.getMetadata().getAnnotations());
    }
    annotations.put(HASH_ANNOTATION, hash);
    desired.getMetadata().setAnnotations(annotations);
    Owners.setController(desired, r);
    if (existing == null) {
      try {
        client.resource(desired).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // created meanwhile (a second operator replica, a retry): the next reconcile compares
      }
      return;
    }
    var live0 = existing.getMetadata().getAnnotations();
    if (live0 != null && hash.equals(live0.get(HASH_ANNOTATION))) {
      return;
    }
    desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
    client.resource(desired).update();
  }

  private static <T extends HasMetadata> void deleteIfOwned(Resource<T> live, SecureRegistry r) {
    T existing = live.get();
    if (existing != null && Owners.isControlledBy(existing, r)) {
      live.delete();
    }
  }

  private static String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether the TLSRoute CRD is installed. A positive answer is remembered per client; a negative
   * one is asked again on the next reconcile, so installing Gateway API heals without a restart.
   */
  static final class GatewayApi {
    private static final java.util.Map<KubernetesClient, Boolean> INSTALLED =
        java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private GatewayApi() {}

    static boolean installed(KubernetesClient client) {
      if (INSTALLED.containsKey(client)) {
        return true;
      }
      boolean present;
      try {
        present = client.resources(CustomResourceDefinition.class)
            .withName(ExposeModel.TLS_ROUTE_CRD).get() != null;
      } catch (KubernetesClientException e) {
        present = false;
      }
      if (present) {
        INSTALLED.put(client, true);
      }
      return present;
    }
  }
}
