package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ExposeSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.ServerDefaults;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The desired objects of {@code spec.expose}, per mode (issue 18 item 8). */
class ExposeModelTest {

  static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** A registry with the managed token issuer, exposed as {@code mode} says. */
  static SecureRegistry exposed(ExposeSpec expose) {
    var r = Registries.basic("team", "bianca");
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().expose = expose;
    return r;
  }

  static ExposeSpec ingress(ExposeSpec.IngressTls tls) {
    var e = new ExposeSpec();
    e.ingress = new ExposeSpec.Ingress();
    e.ingress.className = "nginx";
    e.ingress.host = "bianca.example.com";
    e.ingress.tokenHost = "bianca-auth.example.com";
    e.ingress.tls = tls;
    return e;
  }

  @Test
  void passthroughForwardsTlsToTheRegistryAndTheIssuer() {
    var r = exposed(ingress(ExposeSpec.IngressTls.Passthrough));
    List<Ingress> ingresses = ExposeModel.ingresses(r);
    assertThat(ingresses).extracting(i -> i.getMetadata().getName())
        .containsExactly("bianca", "bianca-auth");
    Ingress registry = ingresses.get(0);
    assertThat(registry.getMetadata().getNamespace()).isEqualTo("team");
    assertThat(registry.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(registry.getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "nginx.ingress.kubernetes.io/ssl-passthrough", "true",
        "nginx.ingress.kubernetes.io/backend-protocol", "HTTPS"));
    assertThat(registry.getSpec().getTls()).as("the controller holds no certificate").isEmpty();
    var rule = registry.getSpec().getRules().get(0);
    assertThat(rule.getHost()).isEqualTo("bianca.example.com");
    var path = rule.getHttp().getPaths().get(0);
    assertThat(path.getPath()).isEqualTo("/");
    assertThat(path.getPathType()).isEqualTo("Prefix");
    assertThat(path.getBackend().getService().getName()).isEqualTo("bianca");
    assertThat(path.getBackend().getService().getPort().getNumber()).isEqualTo(5000);
    var issuer = ingresses.get(1).getSpec().getRules().get(0);
    assertThat(issuer.getHost()).isEqualTo("bianca-auth.example.com");
    assertThat(issuer.getHttp().getPaths().get(0).getBackend().getService().getName())
        .isEqualTo("bianca-auth");
    assertThat(issuer.getHttp().getPaths().get(0).getBackend().getService().getPort()
        .getNumber()).isEqualTo(TokenIssuerModel.PORT);
  }

  @Test
  void reencryptTerminatesWithTheRegistrysCertificateStreamsBlobsAndVerifiesTheBackend() {
    var e = ingress(ExposeSpec.IngressTls.Reencrypt);
    e.ingress.annotations = Map.of("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600",
        "example.com/team", "blue");
    var ingresses = ExposeModel.ingresses(exposed(e));
    Ingress registry = ingresses.get(0);
    assertThat(registry.getSpec().getTls()).singleElement().satisfies(t -> {
      assertThat(t.getHosts()).containsExactly("bianca.example.com");
      assertThat(t.getSecretName()).isEqualTo("bianca-tls");
    });
    assertThat(registry.getMetadata().getAnnotations())
        .doesNotContainKey("nginx.ingress.kubernetes.io/ssl-passthrough")
        .containsEntry("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "0")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-request-buffering", "off")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "900")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-verify", "on")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-secret", "team/bianca-tls")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-name", "bianca.team.svc")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-server-name", "on")
        .as("the user's annotations win").containsEntry(
            "nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
        .containsEntry("example.com/team", "blue");
    Ingress issuer = ingresses.get(1);
    assertThat(issuer.getSpec().getTls().get(0).getSecretName()).isEqualTo("bianca-auth-tls");
    assertThat(issuer.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-name", "bianca-auth.team.svc");
  }

  /**
   * A real API server stores an Ingress with its defaults and drops empty values (Go's
   * omitempty): the desired one must come back unchanged, or it would differ at every look.
   */
  @Test
  @SuppressWarnings("unchecked")
  void ingressesAreStoredAsSentByARealServer() {
    for (var tls : ExposeSpec.IngressTls.values()) {
      for (Ingress i : ExposeModel.ingresses(exposed(ingress(tls)))) {
        Map<String, Object> sent = JSON.convertValue(i, Map.class);
        Map<String, Object> stored = ServerDefaults.apply(JSON.convertValue(i, Map.class));
        assertThat(stored).as("%s %s", tls, i.getMetadata().getName()).isEqualTo(sent);
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void tlsRoutesCarryTheSchemaDefaultsOfGatewayApi() {
    var e = new ExposeSpec();
    e.gateway = new ExposeSpec.Gateway();
    e.gateway.host = "bianca.example.com";
    e.gateway.tokenHost = "bianca-auth.example.com";
    var parent = new ExposeSpec.ParentRef();
    parent.name = "edge";
    parent.namespace = "gateways";
    parent.sectionName = "tls";
    e.gateway.parentRefs = List.of(parent);
    var routes = ExposeModel.tlsRoutes(exposed(e));
    assertThat(routes).extracting(t -> t.getMetadata().getName())
        .containsExactly("bianca", "bianca-auth");
    var route = routes.get(0);
    assertThat(route.getApiVersion()).isEqualTo("gateway.networking.k8s.io/v1alpha2");
    assertThat(route.getKind()).isEqualTo("TLSRoute");
    Map<String, Object> spec = (Map<String, Object>) route.getAdditionalProperties().get("spec");
    assertThat(spec.get("parentRefs")).isEqualTo(List.of(Map.of("group",
        "gateway.networking.k8s.io", "kind", "Gateway", "name", "edge", "namespace", "gateways",
        "sectionName", "tls")));
    assertThat(spec.get("hostnames")).isEqualTo(List.of("bianca.example.com"));
    assertThat(spec.get("rules")).isEqualTo(List.of(Map.of("backendRefs", List.of(Map.of(
        "group", "", "kind", "Service", "name", "bianca", "port", 5000, "weight", 1)))));
  }

  @Test
  @SuppressWarnings("unchecked")
  void backendTlsIsAnHttpRouteAndAPolicyVerifyingTheServiceNameAgainstTheCaCopy() {
    var e = new ExposeSpec();
    e.gateway = new ExposeSpec.Gateway();
    e.gateway.host = "bianca.example.com";
    e.gateway.mode = ExposeSpec.GatewayMode.BackendTLS;
    var parent = new ExposeSpec.ParentRef();
    parent.name = "edge";
    e.gateway.parentRefs = List.of(parent);
    var r = exposed(e);
    assertThat(ExposeModel.tlsRoutes(r)).isEmpty();
    var objects = ExposeModel.backendTlsRoutes(r);
    assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactly("HTTPRoute/bianca", "BackendTLSPolicy/bianca");
    Map<String, Object> route = (Map<String, Object>) objects.get(0).getAdditionalProperties()
        .get("spec");
    assertThat(objects.get(0).getApiVersion()).isEqualTo("gateway.networking.k8s.io/v1");
    assertThat(route.get("hostnames")).isEqualTo(List.of("bianca.example.com"));
    assertThat(route.get("rules")).isEqualTo(List.of(Map.of(
        "matches", List.of(Map.of("path", Map.of("type", "PathPrefix", "value", "/"))),
        "backendRefs", List.of(Map.of("group", "", "kind", "Service", "name", "bianca",
            "port", 5000, "weight", 1)))));
    Map<String, Object> policy = (Map<String, Object>) objects.get(1).getAdditionalProperties()
        .get("spec");
    assertThat(objects.get(1).getApiVersion())
        .isEqualTo("gateway.networking.k8s.io/v1alpha3");
    assertThat(policy.get("targetRefs")).isEqualTo(List.of(Map.of("group", "", "kind",
        "Service", "name", "bianca")));
    assertThat(policy.get("validation")).isEqualTo(Map.of(
        "caCertificateRefs", List.of(Map.of("group", "", "kind", "ConfigMap",
            "name", "bianca-backend-ca")),
        "hostname", "bianca.team.svc"));
    assertThat(ExposeModel.backendCa(r, "PEM").getData()).isEqualTo(Map.of("ca.crt", "PEM"));
    r.getSpec().tls = new dev.portcullis.operator.api.TlsSpec();
    r.getSpec().tls.mode = dev.portcullis.operator.api.TlsSpec.Mode.MutualTLS;
    assertThat(ExposeCheck.problems(r)).extracting(Problem::message).containsExactly(
        "expose.gateway.mode BackendTLS ends the client's TLS at the Gateway, so MutualTLS never"
            + " sees a client certificate: use TLSPassthrough");
  }

  @Test
  void theExternalHostsReachTheCertificatesTheRealmAndTheEndpoint() {
    var r = exposed(ingress(ExposeSpec.IngressTls.Passthrough));
    assertThat(ServiceModel.endpoint(r)).isEqualTo("bianca.example.com");
    assertThat(CertificateModel.dnsNames(r)).contains("bianca.example.com")
        .doesNotContain("bianca-auth.example.com");
    assertThat(TokenIssuerModel.realm(r)).isEqualTo("https://bianca-auth.example.com/auth");
    assertThat(TokenIssuerModel.certificates(r).get(0).getSpec().getDnsNames())
        .contains("bianca-auth.example.com");
    assertThat(NodeTrustModel.hosts(r)).contains("bianca.example.com");
    assertThat(ExposeCheck.problems(r)).isEmpty();
  }

  @Test
  void contradictionsAreProblemsForObjectsStoredBeforeTheRules() {
    var r = exposed(ingress(ExposeSpec.IngressTls.Passthrough));
    r.getSpec().auth.mode = AuthSpec.Mode.None;
    assertThat(ExposeCheck.problems(r)).extracting(Problem::message).containsExactly(
        "expose tokenHost needs the managed token issuer, and replaces"
            + " auth.token.managed.realm: set one of them");
  }
}
