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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes the Ingresses or TLSRoutes of {@code spec.expose} ({@link ExposeModel}), owned by the
 * registry, and deletes the ones it no longer asks for. Each object carries the hash of what was
 * written: it is rewritten only when the desired content changes, whatever the server or an
 * ingress controller adds (defaults, status), so a reconcile at rest writes nothing. A cluster
 * without the Gateway API CRDs asked for is a condition, not a failed reconcile.
 */
public final class ExposurePublisher {

  static final String HASH_ANNOTATION = "portcullis.dev/content-hash";
  static final ResourceDefinitionContext TLS_ROUTES = context("v1alpha2", "TLSRoute",
      "tlsroutes");
  static final ResourceDefinitionContext HTTP_ROUTES = context("v1", "HTTPRoute", "httproutes");
  static final ResourceDefinitionContext BACKEND_TLS_POLICIES = context("v1alpha3",
      "BackendTLSPolicy", "backendtlspolicies");
  /** Every Gateway API kind the operator writes, with the CRD that serves it. */
  static final Map<String, ResourceDefinitionContext> GATEWAY_KINDS = new LinkedHashMap<>(Map.of(
      ExposeModel.TLS_ROUTE_CRD, TLS_ROUTES, ExposeModel.HTTP_ROUTE_CRD, HTTP_ROUTES,
      ExposeModel.BACKEND_TLS_POLICY_CRD, BACKEND_TLS_POLICIES));

  /** What was done, for the {@value ConditionTypes#EXPOSED} condition; null: nothing exposed. */
  public record Outcome(boolean ok, String reason, String message) {}

  private ExposurePublisher() {}

  private static ResourceDefinitionContext context(String version, String kind, String plural) {
    return new ResourceDefinitionContext.Builder().withGroup(ExposeModel.GATEWAY_GROUP)
        .withVersion(version).withKind(kind).withPlural(plural).withNamespaced(true).build();
  }

  /** {@code caPem}: the registry's CA ({@code ca.crt} of its TLS Secret), null until issued. */
  public static Outcome publish(KubernetesClient client, SecureRegistry r, String caPem) {
    var expose = r.getSpec().expose;
    var previous = r.getStatus() == null ? null
        : r.getStatus().condition(ConditionTypes.EXPOSED).orElse(null);
    if ((expose == null || expose.host() == null) && previous == null) {
      return null; // never exposed: nothing to write, nothing to look for
    }
    String ns = r.getMetadata().getNamespace();
    Set<String> names = Set.of(Names.service(r), Names.authServer(r));
    var ingresses = ExposeModel.ingresses(r);
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
    // Gateway API: only a registry asking for routes, or that had some, looks at its kinds
    var routes = new ArrayList<GenericKubernetesResource>(ExposeModel.tlsRoutes(r));
    routes.addAll(ExposeModel.backendTlsRoutes(r));
    boolean hadRoutes = previous != null && previous.getMessage() != null
        && (previous.getMessage().contains("Route ") || previous.getMessage().contains("Gateway"));
    var missing = new ArrayList<String>();
    for (var kind : GATEWAY_KINDS.entrySet()) {
      var desired = routes.stream()
          .filter(o -> o.getKind().equals(kind.getValue().getKind())).toList();
      if (desired.isEmpty() && !hadRoutes) {
        continue;
      }
      if (!GatewayApi.installed(client, kind.getKey())) {
        if (!desired.isEmpty()) {
          missing.add(kind.getKey());
        }
        continue;
      }
      var live = client.genericKubernetesResources(kind.getValue()).inNamespace(ns);
      for (GenericKubernetesResource o : desired) {
        ensure(client, r, o, live::withName, blocked);
      }
      for (String n : names) {
        if (desired.stream().noneMatch(o -> o.getMetadata().getName().equals(n))) {
          deleteIfOwned(live.withName(n), r);
        }
      }
    }
    boolean backendTls = ExposeModel.backendTls(r);
    var caCopy = client.configMaps().inNamespace(ns).withName(Names.backendCa(r));
    if (backendTls && caPem != null) {
      ensure(client, r, ExposeModel.backendCa(r, caPem), n -> caCopy, blocked);
    } else if (!backendTls && hadRoutes) {
      deleteIfOwned(caCopy, r);
    }
    if (!missing.isEmpty()) {
      return new Outcome(false, "GatewayAPIMissing", "Gateway API's CRDs "
          + String.join(", ", missing) + " are not installed: install Gateway API's"
          + " experimental channel and a controller that supports them, or use expose.ingress");
    }
    if (!blocked.isEmpty()) {
      return new Outcome(false, "ObjectInTheWay", String.join("; ", blocked)
          + ": not created by Portcullis for this registry; rename or delete it");
    }
    if (expose == null || expose.host() == null) {
      return null;
    }
    if (backendTls && caPem == null) {
      return new Outcome(false, "WaitingForCA", "the BackendTLSPolicy needs the registry's CA"
          + " (ca.crt of Secret " + Names.tlsSecret(r) + "), not issued yet");
    }
    var said = new ArrayList<String>();
    for (var b : ExposeModel.backends(r)) {
      String kind = !ingresses.isEmpty() ? "Ingress " : backendTls ? "HTTPRoute " : "TLSRoute ";
      said.add(kind + b.name() + " routes " + b.host() + " to Service " + b.service() + ":"
          + b.port() + (backendTls ? " (BackendTLSPolicy " + b.name() + ")" : ""));
    }
    String mode = expose.ingress != null ? " (TLS " + expose.ingress.effectiveTls() + ")"
        : backendTls ? " (TLS re-encrypted by the Gateway, verified against " + Names.backendCa(r)
            + ")" : " (TLS passed through)";
    return new Outcome(true, "Exposed", String.join("; ", said) + mode);
  }

  private static <T extends HasMetadata> void ensure(KubernetesClient client, SecureRegistry r,
      T desired, Function<String, Resource<T>> byName, List<String> blocked) {
    String hash = ContentHash.of(client.getKubernetesSerialization().asJson(desired));
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

  /**
   * Whether a Gateway API CRD is installed. A positive answer is remembered per client; a
   * negative one is asked again on the next reconcile, so installing Gateway API heals without a
   * restart.
   */
  static final class GatewayApi {
    private static final Map<KubernetesClient, Set<String>> INSTALLED =
        java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private GatewayApi() {}

    static boolean installed(KubernetesClient client, String crd) {
      var known = INSTALLED.computeIfAbsent(client,
          c -> java.util.concurrent.ConcurrentHashMap.newKeySet());
      if (known.contains(crd)) {
        return true;
      }
      boolean present;
      try {
        present = client.resources(CustomResourceDefinition.class).withName(crd).get() != null;
      } catch (KubernetesClientException e) {
        present = false;
      }
      if (present) {
        known.add(crd);
      }
      return present;
    }
  }
}
