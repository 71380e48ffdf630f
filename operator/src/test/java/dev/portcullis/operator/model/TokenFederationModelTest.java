package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code auth.token.managed.federation}: the issuer's {@code oidc_federation} section in its own key names, each
 * issuer's CA as a file of the backends' projected volume, a missing CA Secret named with its field.
 */
class TokenFederationModelTest {

  private static SecureRegistry registry(String managed) {
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    return serialization.unmarshal("""
        apiVersion: portcullis.dev/v1alpha1
        kind: SecureRegistry
        metadata: {name: wharf, namespace: ns}
        spec:
          auth:
            mode: Token
            token:
              managed:
        %s
          storage:
            emptyDir: {}
        """.formatted(managed.indent(8).stripTrailing()), SecureRegistry.class);
  }

  private static final String TWO_ISSUERS = """
      federation:
        timeout: 3s
        clockSkew: 30s
        jwksCacheTTL: 10m
        jwksMinRefreshInterval: 1m
        issuers:
          - name: github-actions
            issuer: https://token.actions.githubusercontent.com
            audience: wharf.example.com
            accountClaim: repository
            labels: {owner: repository_owner, ref: ref}
            claims: {repository_owner: acme}
            maxTokenAge: 10m
          - name: gitlab
            issuer: https://gitlab.internal.example.com
            audience: wharf
            accountClaim: project_path
            caSecretRef: {name: gitlab-ca, key: root.pem}
          - name: other-cluster
            issuer: https://oidc.other-cluster.example.com
            audience: wharf
            accountClaim: sub
            caConfigMapRef: {name: cluster-ca}
      """;

  @SuppressWarnings("unchecked")
  private static Map<String, Object> issuerConfig(SecureRegistry r) {
    return new Yaml().load(TokenIssuerModel.configYaml(r));
  }

  @Test
  void issuersBecomeTheOidcFederationSectionInTheIssuersKeys() {
    Map<String, Object> config = issuerConfig(registry(TWO_ISSUERS));
    assertThat(config.get("oidc_federation")).isEqualTo(Map.of(
        "timeout", "3s", "clock_skew", "30s", "jwks_cache_ttl", "10m", "jwks_min_refresh_interval", "1m",
        "issuers", Map.of(
            "github-actions", Map.of("issuer", "https://token.actions.githubusercontent.com",
                "audience", "wharf.example.com", "account_claim", "repository",
                "labels", Map.of("owner", "repository_owner", "ref", "ref"),
                "claims", Map.of("repository_owner", "acme"), "max_token_age", "10m"),
            "gitlab", Map.of("issuer", "https://gitlab.internal.example.com", "audience", "wharf",
                "account_claim", "project_path",
                "ca_certificate", "/etc/portcullis/auth-server-backends/federation-gitlab-ca.crt"),
            "other-cluster", Map.of("issuer", "https://oidc.other-cluster.example.com", "audience", "wharf",
                "account_claim", "sub",
                "ca_certificate", "/etc/portcullis/auth-server-backends/federation-other-cluster-ca.crt"))));
  }

  @Test
  @SuppressWarnings("unchecked")
  void unsetDurationsAreLeftToTheIssuersDefaults() {
    Map<String, Object> config = issuerConfig(registry("""
        federation:
          issuers:
            - {name: gh, issuer: "https://token.actions.githubusercontent.com", audience: a, accountClaim: repository}
        """));
    assertThat((Map<String, Object>) config.get("oidc_federation")).containsOnlyKeys("issuers");
  }

  @Test
  void eachIssuersCaIsAFileOfTheBackendsProjectedVolume() {
    SecureRegistry r = registry(TWO_ISSUERS);
    var pod = TokenIssuerModel.deployment(r).getSpec().getTemplate().getSpec();
    Volume secrets = pod.getVolumes().stream().filter(v -> v.getName().equals("backend-secrets"))
        .findFirst().orElseThrow();
    assertThat(secrets.getProjected().getDefaultMode()).isEqualTo(0440);
    assertThat(secrets.getProjected().getSources()).extracting(s -> s.getSecret() != null
            ? "secret " + s.getSecret().getName() + ":" + s.getSecret().getItems().get(0).getKey() + " -> "
                + s.getSecret().getItems().get(0).getPath()
            : "configmap " + s.getConfigMap().getName() + ":" + s.getConfigMap().getItems().get(0).getKey() + " -> "
                + s.getConfigMap().getItems().get(0).getPath())
        .containsExactly("secret gitlab-ca:root.pem -> federation-gitlab-ca.crt",
            "configmap cluster-ca:ca.crt -> federation-other-cluster-ca.crt");
    assertThat(pod.getContainers().get(0).getVolumeMounts()).anyMatch(m -> m.getName().equals("backend-secrets")
        && m.getMountPath().equals(TokenBackendsModel.SECRETS_DIR) && m.getReadOnly());
  }

  @Test
  void aMissingCaSecretIsNamedWithTheIssuerThatNeedsIt() {
    SecureRegistry r = registry(TWO_ISSUERS);
    assertThat(SecretInputs.referencedSecretNames(r)).contains("gitlab-ca");
    assertThat(SecretInputs.referenceProblems(r, n -> null))
        .extracting(Problem::conditionType, Problem::reason, Problem::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("AuthReady", "SecretNotFound",
            "Secret gitlab-ca not found (auth.token.managed.federation.issuers[gitlab].caSecretRef)"));
    assertThat(SecretInputs.referenceProblems(r, n -> Registries.secret("ns", n, Map.of("ca.crt", "x"))))
        .extracting(Problem::message).containsExactly(
            "Secret gitlab-ca has no key root.pem (auth.token.managed.federation.issuers[gitlab].caSecretRef)");
    assertThat(SecretInputs.referenceProblems(r, n -> Registries.secret("ns", n, Map.of("root.pem", "x"))))
        .isEmpty();
  }

  @Test
  void aMissingCaConfigMapIsNamedWithTheIssuerThatNeedsIt() {
    SecureRegistry r = registry(TWO_ISSUERS);
    assertThat(TokenBackendsModel.configMapNames(r)).containsExactly("cluster-ca");
    assertThat(TokenBackendsModel.configMapProblems(r, n -> null))
        .extracting(Problem::conditionType, Problem::reason, Problem::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("AuthReady", "ConfigMapNotFound",
            "ConfigMap cluster-ca not found (auth.token.managed.federation.issuers[other-cluster].caConfigMapRef)"));
    assertThat(TokenBackendsModel.configMapProblems(r,
        n -> TokenBackendsModelTest.configMap(n, Map.of("root.pem", "x"))))
        .extracting(Problem::reason, Problem::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ConfigMapKeyNotFound",
            "ConfigMap cluster-ca has no key ca.crt (auth.token.managed.federation.issuers[other-cluster].caConfigMapRef)"));
    assertThat(TokenBackendsModel.configMapProblems(r,
        n -> TokenBackendsModelTest.configMap(n, Map.of("ca.crt", "x")))).isEmpty();
  }

  @Test
  void theFederationSampleBuildsAnIssuerWithFederationAndNoSecrets() throws Exception {
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    SecureRegistry r = serialization.unmarshal(
        Files.readString(Path.of("..", "samples", "token-federation.yaml")), SecureRegistry.class);
    r.getMetadata().setNamespace("samples");
    assertThat(SpecCheck.check(r)).isEmpty();
    assertThat(issuerConfig(r)).containsKey("oidc_federation");
    assertThat(TokenBackendsModel.volumes(r)).isEmpty();
    assertThat(SecretInputs.referenceProblems(r, n -> null)).isEmpty();
  }
}
