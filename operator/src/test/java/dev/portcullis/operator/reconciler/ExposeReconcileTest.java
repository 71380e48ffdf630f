package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.ExposeSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.ExposeModel;
import dev.portcullis.operator.model.Owners;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.expose} reconciled against the mock API server (issue 18 item 8): Ingresses written
 * and owned, the host in the certificate and status; Gateway API routes, and a cluster without
 * Gateway API's CRDs, which on a real cluster answers 404 for tlsroutes: a condition there, not a
 * failed reconcile, healed when the CRDs are installed.
 */
class ExposeReconcileTest {

  static MockCluster cluster;
  static final String NS = "exposed";

  @BeforeAll
  static void start() throws Exception {
    cluster = new MockCluster(true).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static SecureRegistry get(String name) {
    return cluster.client.resources(SecureRegistry.class).inNamespace(NS).withName(name).get();
  }

  static String exposed(String name) {
    var r = get(name);
    return r == null || r.getStatus() == null ? "" : r.getStatus()
        .condition(ConditionTypes.EXPOSED).map(c -> c.getStatus() + " " + c.getReason() + ": "
            + c.getMessage()).orElse("");
  }

  @Test
  void anIngressIsWrittenOwnedAndRemovedWithTheSpec() {
    var r = Registries.basic(NS, "ing");
    r.getSpec().expose = new ExposeSpec();
    r.getSpec().expose.ingress = new ExposeSpec.Ingress();
    r.getSpec().expose.ingress.host = "ing.example.com";
    r.getSpec().expose.ingress.tls = ExposeSpec.IngressTls.Reencrypt;
    cluster.client.resource(r).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      Ingress i = cluster.client.network().v1().ingresses().inNamespace(NS).withName("ing").get();
      assertThat(i.getSpec().getRules().get(0).getHost()).isEqualTo("ing.example.com");
      assertThat(Owners.isControlledBy(i, get("ing"))).isTrue();
      assertThat(exposed("ing")).isEqualTo("True Exposed: Ingress ing routes ing.example.com to"
          + " Service ing:5000 (TLS Reencrypt)");
      assertThat(get("ing").getStatus().endpoint).isEqualTo("ing.example.com");
      assertThat(cluster.client.resources(Certificate.class).inNamespace(NS).withName("ing-tls")
          .get().getSpec().getDnsNames()).contains("ing.example.com");
    });

    cluster.client.resources(SecureRegistry.class).inNamespace(NS).withName("ing").edit(cur -> {
      cur.getSpec().expose = null;
      return cur;
    });
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      assertThat(cluster.client.network().v1().ingresses().inNamespace(NS).withName("ing").get())
          .isNull();
      assertThat(exposed("ing")).isEmpty();
      assertThat(get("ing").getStatus().endpoint).isEqualTo("ing.exposed.svc:5000");
    });
  }

  /** A Gateway API CRD as its release installs it (names only: the mock validates nothing). */
  static void installGatewayApi(String plural, String kind, String version) {
    cluster.client.resource(new CustomResourceDefinitionBuilder().withNewMetadata()
        .withName(plural + "." + ExposeModel.GATEWAY_GROUP).endMetadata().withNewSpec()
        .withGroup(ExposeModel.GATEWAY_GROUP).withScope("Namespaced").withNewNames()
        .withPlural(plural).withKind(kind).endNames().addNewVersion()
        .withName(version).withServed(true).withStorage(true).endVersion().endSpec().build())
        .create();
  }

  /**
   * BackendTLS: an HTTPRoute and a BackendTLSPolicy that verifies the registry against a copy of
   * the namespace CA in a ConfigMap (the only source BackendTLSPolicy reads), all owned.
   */
  @Test
  void backendTlsRoutesTheRegistryAndVerifiesItAgainstTheNamespaceCa() {
    installGatewayApi("httproutes", "HTTPRoute", "v1");
    installGatewayApi("backendtlspolicies", "BackendTLSPolicy", "v1alpha3");
    var r = Registries.basic(NS, "btls");
    r.getSpec().expose = new ExposeSpec();
    r.getSpec().expose.gateway = new ExposeSpec.Gateway();
    r.getSpec().expose.gateway.host = "btls.example.com";
    r.getSpec().expose.gateway.mode = ExposeSpec.GatewayMode.BackendTLS;
    var parent = new ExposeSpec.ParentRef();
    parent.name = "edge";
    r.getSpec().expose.gateway.parentRefs = List.of(parent);
    cluster.client.resource(r).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      var route = cluster.client.genericKubernetesResources(ExposurePublisher.HTTP_ROUTES)
          .inNamespace(NS).withName("btls").get();
      var policy = cluster.client.genericKubernetesResources(
          ExposurePublisher.BACKEND_TLS_POLICIES).inNamespace(NS).withName("btls").get();
      var ca = cluster.client.configMaps().inNamespace(NS).withName("btls-backend-ca").get();
      var tlsSecret = cluster.client.secrets().inNamespace(NS).withName("btls-tls").get();
      assertThat(Owners.isControlledBy(route, get("btls"))).isTrue();
      assertThat(Owners.isControlledBy(policy, get("btls"))).isTrue();
      assertThat(ca.getData().get("ca.crt")).isEqualTo(Registries.decode(tlsSecret, "ca.crt"));
      assertThat(exposed("btls")).isEqualTo("True Exposed: HTTPRoute btls routes btls.example.com"
          + " to Service btls:5000 (BackendTLSPolicy btls) (TLS re-encrypted by the Gateway,"
          + " verified against btls-backend-ca)");
    });
  }

  @Test
  void withoutGatewayApiTheRegistryRunsAndSaysWhyItIsNotRoutedUntilTheCrdsAreInstalled() {
    var r = Registries.basic(NS, "gw");
    r.getSpec().expose = new ExposeSpec();
    r.getSpec().expose.gateway = new ExposeSpec.Gateway();
    r.getSpec().expose.gateway.host = "gw.example.com";
    var parent = new ExposeSpec.ParentRef();
    parent.name = "edge";
    parent.namespace = "gateways";
    r.getSpec().expose.gateway.parentRefs = List.of(parent);
    cluster.client.resource(r).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      assertThat(exposed("gw")).startsWith("False GatewayAPIMissing: Gateway API's CRDs"
          + " tlsroutes.gateway.networking.k8s.io are not installed");
      assertThat(cluster.client.resources(Deployment.class).inNamespace(NS).withName("gw").get())
          .as("the rest of the registry is applied").isNotNull();
    });
    assertThat(cluster.client.genericKubernetesResources(ExposurePublisher.TLS_ROUTES)
        .inNamespace(NS).list().getItems()).isEmpty();

    installGatewayApi("tlsroutes", "TLSRoute", "v1alpha2");
    // its next look (RETRY) finds them
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
      var route = cluster.client.genericKubernetesResources(ExposurePublisher.TLS_ROUTES)
          .inNamespace(NS).withName("gw").get();
      assertThat(route).isNotNull();
      assertThat(Owners.isControlledBy(route, get("gw"))).isTrue();
      assertThat(exposed("gw")).isEqualTo("True Exposed: TLSRoute gw routes gw.example.com to"
          + " Service gw:5000 (TLS passed through)");
    });
  }
}
