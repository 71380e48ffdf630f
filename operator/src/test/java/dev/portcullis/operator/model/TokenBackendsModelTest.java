package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The managed issuer's LDAP, MongoDB and external-program backends: docker_auth's section and key
 * names in the issuer's config, secrets only as mounted files, missing Secrets named in a problem.
 */
class TokenBackendsModelTest {

  private static SecureRegistry registry(String managed) {
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    SecureRegistry r = serialization.unmarshal("""
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
    return r;
  }

  private static final String ALL = """
      ldap:
        addr: ldap.example.com:389
        tls: StartTLS
        caConfigMapRef: {name: corp-ca, key: root.pem}
        base: ou=people,dc=example,dc=com
        filter: (&(uid=${account})(objectClass=person))
        bindDN: cn=registry,dc=example,dc=com
        bindPasswordSecretRef: {name: ldap-bind}
        labels:
          groups: {attribute: memberOf, parseCN: true}
      mongo:
        addrs: [mongo-0.mongo:27017, mongo-1.mongo]
        database: docker_auth
        username: registry
        passwordSecretRef: {name: mongo-creds, key: pw}
        tls: false
        usersCollection: users
        acl: {cacheTTL: 30s}
      programs:
        configMapName: registry-programs
        authenticate: {command: /etc/portcullis/auth-programs/check.sh, args: [-v], timeout: 2s}
        authorize: {command: /usr/local/bin/authorize}
      acl:
        - match: {labels: {groups: dev}, name: "team/*"}
          actions: ["*"]
      """;

  @SuppressWarnings("unchecked")
  private static Map<String, Object> issuerConfig(SecureRegistry r) {
    return new Yaml().load(TokenIssuerModel.configYaml(r));
  }

  @Test
  void sectionsUseDockerAuthsKeysAndPointAtMountedFiles() {
    Map<String, Object> config = issuerConfig(registry(ALL));
    assertThat(config.get("ldap_auth")).isEqualTo(Map.of(
        "addr", "ldap.example.com:389", "tls", "starttls",
        "ca_certificate", "/etc/portcullis/auth-server-backends/ldap-ca.crt",
        "base", "ou=people,dc=example,dc=com", "filter", "(&(uid=${account})(objectClass=person))",
        "bind_dn", "cn=registry,dc=example,dc=com",
        "bind_password_file", "/etc/portcullis/auth-server-backends/ldap-bind-password",
        "labels", Map.of("groups", Map.of("attribute", "memberOf", "parse_cn", true))));
    Map<String, Object> dial = Map.of("addrs", List.of("mongo-0.mongo:27017", "mongo-1.mongo"),
        "database", "docker_auth", "username", "registry",
        "password_file", "/etc/portcullis/auth-server-backends/mongo-password", "enable_tls", false);
    assertThat(config.get("mongo_auth")).isEqualTo(Map.of("dial_info", dial, "collection", "users"));
    assertThat(config.get("acl_mongo")).isEqualTo(Map.of("dial_info", dial, "collection", "acl", "cache_ttl", "30s"));
    assertThat(config.get("ext_auth")).isEqualTo(Map.of(
        "command", "/etc/portcullis/auth-programs/check.sh", "args", List.of("-v"), "timeout", "2s"));
    assertThat(config.get("ext_authz")).isEqualTo(Map.of("command", "/usr/local/bin/authorize", "args", List.of()));
    assertThat((List<Object>) config.get("acl")).containsExactly(Map.of(
        "match", Map.of("name", "team/*", "labels", Map.of("groups", "dev")), "actions", List.of("*")));
  }

  @Test
  void aUriSecretReplacesAddrsAndCredentials() {
    Map<String, Object> config = issuerConfig(registry("""
        mongo:
          uriSecretRef: {name: mongo-uri}
          database: docker_auth
          acl: {}
        """));
    assertThat(config).doesNotContainKeys("mongo_auth", "ldap_auth", "ext_auth", "ext_authz");
    assertThat(config.get("acl_mongo")).isEqualTo(Map.of("dial_info", Map.of(
        "uri_file", "/etc/portcullis/auth-server-backends/mongo-uri", "database", "docker_auth",
        "enable_tls", true), "collection", "acl", "cache_ttl", "1m"));
  }

  @Test
  void secretsReachTheIssuerOnlyAsFilesOfOneProjectedVolume() {
    SecureRegistry r = registry(ALL);
    var pod = TokenIssuerModel.deployment(r).getSpec().getTemplate().getSpec();
    Volume secrets = pod.getVolumes().stream().filter(v -> v.getName().equals("backend-secrets")).findFirst().orElseThrow();
    assertThat(secrets.getProjected().getDefaultMode()).isEqualTo(0440);
    assertThat(secrets.getProjected().getSources()).extracting(s -> s.getSecret() != null
            ? "secret " + s.getSecret().getName() + ":" + s.getSecret().getItems().get(0).getKey() + " -> " + s.getSecret().getItems().get(0).getPath()
            : "configmap " + s.getConfigMap().getName() + ":" + s.getConfigMap().getItems().get(0).getKey() + " -> " + s.getConfigMap().getItems().get(0).getPath())
        .containsExactly("secret ldap-bind:password -> ldap-bind-password", "configmap corp-ca:root.pem -> ldap-ca.crt",
            "secret mongo-creds:pw -> mongo-password");
    Volume programs = pod.getVolumes().stream().filter(v -> v.getName().equals("programs")).findFirst().orElseThrow();
    assertThat(programs.getConfigMap().getName()).isEqualTo("registry-programs");
    assertThat(programs.getConfigMap().getDefaultMode()).isEqualTo(0555);
    Container c = pod.getContainers().get(0);
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getName().equals("backend-secrets")
        && m.getMountPath().equals(TokenBackendsModel.SECRETS_DIR) && m.getReadOnly());
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getName().equals("programs")
        && m.getMountPath().equals("/etc/portcullis/auth-programs") && m.getReadOnly());
    assertThat(c.getEnv()).isNullOrEmpty();
    // the standard volumes are all still there
    assertThat(pod.getVolumes()).extracting(Volume::getName).contains("config", "tls", "signing", "users", "tmp");
  }

  @Test
  void withoutBackendsTheIssuerIsAsBefore() {
    SecureRegistry r = registry("""
        acl:
          - match: {account: ci}
            actions: ["*"]
        """);
    assertThat(issuerConfig(r)).doesNotContainKeys("ldap_auth", "mongo_auth", "acl_mongo", "ext_auth", "ext_authz");
    assertThat(TokenBackendsModel.volumes(r)).isEmpty();
    assertThat(TokenBackendsModel.secretNames(r)).isEmpty();
    assertThat(TokenIssuerModel.deployment(r).getSpec().getTemplate().getSpec().getVolumes())
        .extracting(Volume::getName).containsExactly("config", "tls", "signing", "users", "tmp");
  }

  @Test
  void aMissingSecretOrKeyIsNamedWithTheFieldThatNeedsIt() {
    SecureRegistry r = registry(ALL);
    assertThat(SecretInputs.referencedSecretNames(r)).contains("ldap-bind", "mongo-creds");
    assertThat(SecretInputs.referenceProblems(r, n -> null)).extracting(Problem::message).containsExactly(
        "Secret ldap-bind not found (auth.token.managed.ldap.bindPasswordSecretRef)",
        "Secret mongo-creds not found (auth.token.managed.mongo.passwordSecretRef)");
    assertThat(SecretInputs.referenceProblems(r, n -> Registries.secret("ns", n, Map.of("password", "s3cret"))))
        .extracting(Problem::conditionType, Problem::reason, Problem::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("AuthReady", "SecretKeyNotFound",
            "Secret mongo-creds has no key pw (auth.token.managed.mongo.passwordSecretRef)"));
    assertThat(SecretInputs.referenceProblems(r, n -> Registries.secret("ns", n, Map.of("password", "s3cret", "pw", "s3cret"))))
        .isEmpty();
  }

  @Test
  void aMissingConfigMapOrKeyIsNamedWithTheFieldThatMountsIt() {
    SecureRegistry r = registry(ALL);
    assertThat(TokenBackendsModel.configMapNames(r)).containsExactly("corp-ca", "registry-programs");
    assertThat(TokenBackendsModel.configMapProblems(r, n -> null))
        .extracting(Problem::conditionType, Problem::reason, Problem::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("AuthReady", "ConfigMapNotFound",
                "ConfigMap corp-ca not found (auth.token.managed.ldap.caConfigMapRef)"),
            org.assertj.core.groups.Tuple.tuple("AuthReady", "ConfigMapNotFound",
                "ConfigMap registry-programs not found (auth.token.managed.programs.configMapName)"));
    // the programs' ConfigMap is mounted whole: any keys will do; the CA needs its key
    assertThat(TokenBackendsModel.configMapProblems(r, n -> configMap(n, Map.of("ca.crt", "x"))))
        .extracting(Problem::reason, Problem::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ConfigMapKeyNotFound",
            "ConfigMap corp-ca has no key root.pem (auth.token.managed.ldap.caConfigMapRef)"));
    assertThat(TokenBackendsModel.configMapProblems(r, n -> configMap(n, Map.of("root.pem", "x"))))
        .isEmpty();
  }

  static io.fabric8.kubernetes.api.model.ConfigMap configMap(String name, Map<String, String> data) {
    return new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName(name).withNamespace("ns").endMetadata().withData(data).build();
  }

  @Test
  void theConfigMapHoldsNoSecretValue() {
    SecureRegistry r = registry(ALL);
    String data = TokenIssuerModel.configMap(r).getData().get("config.yml");
    // the operator never reads these Secrets' values: only their file paths are written
    assertThat(data).doesNotContain("ldap-bind\n").doesNotContain("mongo-creds").contains("bind_password_file");
  }

  @Test
  void theLdapSampleBuildsAnIssuerWithLdap() throws Exception {
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    String doc = Files.readString(Path.of("..", "samples", "token-ldap.yaml")).split("(?m)^---$")[2];
    SecureRegistry r = serialization.unmarshal(doc, SecureRegistry.class);
    r.getMetadata().setNamespace("samples");
    assertThat(SpecCheck.check(r)).isEmpty();
    assertThat(issuerConfig(r)).containsKey("ldap_auth");
    assertThat(SecretInputs.referencedSecretNames(r)).contains("ldap-bind", "ldap-ca");
  }
}
