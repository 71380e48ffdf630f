package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code auth.token.managed.logins}: the issuer's {@code oidc_auth} and {@code google_auth} sections with their sign-in
 * pages on the realm's host, client secrets only as files of the backends' projected volume (never in the
 * ConfigMap), the password store and the issuer's replicas, and the problems named in AuthReady.
 */
class TokenLoginsModelTest {

  private static SecureRegistry registry(String managed, String specExtra) {
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    return serialization.unmarshal("""
        apiVersion: portcullis.dev/v1alpha1
        kind: SecureRegistry
        metadata: {name: forge, namespace: ns}
        spec:
          host: [forge.example.com]
        %s
          auth:
            mode: Token
            token:
              managed:
        %s
          storage:
            emptyDir: {}
        """.formatted(specExtra.indent(2).stripTrailing(), managed.indent(8).stripTrailing()), SecureRegistry.class);
  }

  private static final String BOTH = """
      realm: https://forge-auth.example.com/auth
      logins:
        passwordExpiration: 8h
        oidc:
          issuer: https://login.example.com/realms/acme
          clientID: forge
          clientSecretRef: {name: oidc-client}
          scopes: [openid, email, groups]
          labelClaims: [groups]
          caSecretRef: {name: idp-ca}
        google:
          domain: example.com
          clientID: 123.apps.googleusercontent.com
          clientSecretRef: {name: google-client, key: secret}
      """;

  @SuppressWarnings("unchecked")
  private static Map<String, Object> config(SecureRegistry r) {
    return new Yaml().load(TokenIssuerModel.configYaml(r));
  }

  @Test
  @SuppressWarnings("unchecked")
  void sectionsInDocker_authKeysWithTheSignInPagesOnTheRealmsHost() {
    SecureRegistry r = registry(BOTH, "");
    var oidc = (Map<String, Object>) config(r).get("oidc_auth");
    assertThat(oidc).containsEntry("issuer", "https://login.example.com/realms/acme")
        .containsEntry("redirect_url", "https://forge-auth.example.com/oidc_auth")
        .containsEntry("client_id", "forge")
        .containsEntry("client_secret_file", TokenBackendsModel.SECRETS_DIR + "/oidc-client-secret")
        .containsEntry("ca_certificate", TokenBackendsModel.SECRETS_DIR + "/oidc-ca.crt")
        .containsEntry("scopes", List.of("openid", "email", "groups"))
        .containsEntry("label_claims", List.of("groups"))
        .containsEntry("registry_url", "forge.example.com")
        .containsEntry("token_db", TokenLoginsModel.PASSWORDS_DIR + "/oidc_auth")
        .containsEntry("password_expiration", "8h");
    var google = (Map<String, Object>) config(r).get("google_auth");
    assertThat(google).containsEntry("redirect_url", "https://forge-auth.example.com/google_auth")
        .containsEntry("domain", "example.com")
        .containsEntry("client_secret_file", TokenBackendsModel.SECRETS_DIR + "/google-client-secret")
        .containsEntry("token_db", TokenLoginsModel.PASSWORDS_DIR + "/google_auth");
    assertThat(TokenIssuerModel.configYaml(r)).doesNotContain("client_secret:");
  }

  @Test
  void clientSecretsAreFilesOfTheProjectedSecretVolume() {
    SecureRegistry r = registry(BOTH, "");
    Volume secrets = TokenBackendsModel.volumes(r).stream()
        .filter(v -> v.getName().equals(TokenBackendsModel.SECRETS_VOLUME)).findFirst().orElseThrow();
    var items = secrets.getProjected().getSources().stream()
        .map(s -> s.getSecret().getName() + ":" + s.getSecret().getItems().get(0).getKey() + "->"
            + s.getSecret().getItems().get(0).getPath())
        .toList();
    assertThat(items).containsExactly("oidc-client:client-secret->oidc-client-secret", "idp-ca:ca.crt->oidc-ca.crt",
        "google-client:secret->google-client-secret");
    assertThat(TokenBackendsModel.secretNames(r)).contains("oidc-client", "idp-ca", "google-client");
    var pod = TokenIssuerModel.deployment(r).getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers().get(0).getEnv()).isNullOrEmpty();
  }

  @Test
  void aMissingClientSecretIsNamedWithItsField() {
    SecureRegistry r = registry(BOTH, "");
    var present = new SecretBuilder().withNewMetadata().withName("idp-ca").endMetadata()
        .addToStringData("ca.crt", "-----BEGIN CERTIFICATE-----").build();
    var problems = TokenBackendsModel.secretProblems(r, name -> name.equals("idp-ca") ? present : null);
    assertThat(problems).extracting(Problem::message).containsExactly(
        "Secret oidc-client not found (auth.token.managed.logins.oidc.clientSecretRef)",
        "Secret google-client not found (auth.token.managed.logins.google.clientSecretRef)");
    assertThat(problems).extracting(Problem::reason).containsOnly("SecretNotFound");
  }

  @Test
  void withoutASharedClaimThePasswordsLiveInOnePodsMemory() {
    SecureRegistry r = registry(BOTH, "replicas: 2");
    var d = TokenIssuerModel.deployment(r);
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    var store = d.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(TokenLoginsModel.PASSWORDS_VOLUME)).findFirst().orElseThrow();
    assertThat(store.getEmptyDir().getMedium()).isEqualTo("Memory");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts())
        .anyMatch(m -> m.getMountPath().equals(TokenLoginsModel.PASSWORDS_DIR) && !Boolean.TRUE.equals(m.getReadOnly()));

    SecureRegistry shared = registry(BOTH.replace("passwordExpiration: 8h", "passwordStoreClaimName: logins"), "replicas: 2");
    var d2 = TokenIssuerModel.deployment(shared);
    assertThat(d2.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d2.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(v -> v.getName().equals(TokenLoginsModel.PASSWORDS_VOLUME)
            && v.getPersistentVolumeClaim() != null && v.getPersistentVolumeClaim().getClaimName().equals("logins"));
  }

  @Test
  void signInNeedsAnAddressBrowsersReach() {
    SecureRegistry inCluster = registry(BOTH.replace("realm: https://forge-auth.example.com/auth\n", ""), "");
    assertThat(TokenLoginsModel.problems(inCluster)).singleElement().satisfies(p -> {
      assertThat(p.reason()).isEqualTo("LoginsNeedPublicAddress");
      assertThat(p.message()).contains("auth.token.managed.realm");
    });
    assertThat(TokenLoginsModel.problems(registry(BOTH, ""))).isEmpty();
    assertThat(TokenLoginsModel.problems(registry("acl: []", ""))).isEmpty();
  }
}
