package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.Registries;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class ExternalTokenTest {

  static SecureRegistry external() {
    var r = Registries.basic("ns", "reg");
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.issuer = AuthSpec.Token.Issuer.External;
    var e = new AuthSpec.External();
    e.realm = "https://auth.example.com/auth";
    e.service = "registry.example.com";
    e.issuer = "Acme auth server";
    e.rootCertBundleSecretRef = new AuthSpec.SecretKeyRef();
    e.rootCertBundleSecretRef.name = "token-signer";
    r.getSpec().auth.token.external = e;
    return r;
  }

  @Test
  @SuppressWarnings("unchecked")
  void configPointsAtTheIssuerAndTheMountedBundle() {
    Map<String, Object> root = new Yaml().load(RegistryConfig.yaml(external()));
    var token = (Map<String, Object>) ((Map<String, Object>) root.get("auth")).get("token");
    assertThat(token).containsEntry("realm", "https://auth.example.com/auth")
        .containsEntry("service", "registry.example.com")
        .containsEntry("issuer", "Acme auth server")
        .containsEntry("rootcertbundle", "/etc/portcullis/token/ca.crt");
    var pod = DeploymentModel.volumes(external());
    assertThat(pod).anyMatch(v -> v.getSecret() != null
        && "token-signer".equals(v.getSecret().getSecretName()));
    assertThat(DeploymentModel.mounts(external()))
        .anyMatch(m -> m.getMountPath().equals("/etc/portcullis/token"));
  }

  @Test
  void theBundleSecretIsChecked() {
    var r = external();
    assertThat(SpecCheck.check(r)).isEmpty();
    assertThat(SecretInputs.referencedSecretNames(r)).contains("token-signer");
    assertThat(SecretInputs.referenceProblems(r, n -> null))
        .extracting(Problem::reason).containsExactly("SecretNotFound");
    String signer = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    String tlsCa = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
    assertThat(SecretInputs.referenceProblems(r, n -> Registries.secret("ns", n,
        Map.of("ca.crt", n.equals("token-signer") ? signer : tlsCa)))).isEmpty();
  }

  /**
   * Issue #25, item 1: a bundle holding the CA of the registry's TLS certificates would let any
   * of them sign tokens, so it is not applied; whitespace does not hide it.
   */
  @Test
  void aBundleHoldingTheRegistrysTlsCaIsRefused() {
    var r = external();
    String signer = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    String tlsCa = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
    var problems = SecretInputs.referenceProblems(r, n -> Registries.secret("ns", n,
        Map.of("ca.crt", n.equals("token-signer") ? signer + "-----BEGIN CERTIFICATE-----\r\n"
            + " MIIC \r\n-----END CERTIFICATE-----\n" : tlsCa)));
    assertThat(problems).extracting(Problem::reason).containsExactly("TokenBundleTrustsTlsCa");
    assertThat(problems.get(0).message()).startsWith(
        "Secret token-signer (auth.token.external.rootCertBundleSecretRef) holds the CA that"
            + " issues this registry's TLS certificates");
  }
}
