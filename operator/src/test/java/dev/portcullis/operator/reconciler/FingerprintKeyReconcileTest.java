package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.ProxySpec;
import dev.portcullis.operator.api.ProxyUpstreamSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.FingerprintKey;
import dev.portcullis.operator.model.MountedSecretsFingerprint;
import dev.portcullis.operator.model.Owners;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mounted-secrets fingerprints through the reconciler: keyed by a Secret the operator creates
 * once; the token issuer's backend Secrets roll the issuer as the upstreams' roll the registry;
 * a deleted key is replaced and rolls the pods once; a Secret of that name in the way is reported
 * and left alone.
 */
class FingerprintKeyReconcileTest {

  static MockCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    cluster = new MockCluster(true).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void rotatingAnLdapBindPasswordRollsTheIssuerAndNothingElseDoes() {
    String ns = "issuerroll";
    var client = cluster.client;
    var r = Registries.managedLdap(ns, "reg");
    var ldap = r.getSpec().auth.token.managed.ldap;
    ldap.bindDN = "cn=registry,dc=example,dc=com";
    ldap.bindPasswordSecretRef = new SecretKeySelector(null, "ldap-bind", null);
    client.resource(Registries.secret(ns, "ldap-bind", Map.of("password", "bind-pw-1"))).create();
    client.resource(r).create();

    // settled once the signing certificate (the fake cert-manager's) is on the template too
    await().until(() -> annotation(ns, "reg-auth") != null && deployment(ns, "reg-auth").getSpec()
        .getTemplate().getMetadata().getAnnotations()
        .containsKey(dev.portcullis.operator.model.TokenIssuerModel.SIGNER_ANNOTATION));
    String first = annotation(ns, "reg-auth");
    assertThat(template(ns, "reg-auth")).doesNotContain("bind-pw-1");
    // the registry mounts none of these: no fingerprint on its pods
    assertThat(annotation(ns, "reg")).isNull();
    Secret key = keySecret(ns);
    var registry = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
    assertThat(Owners.isControlledBy(key, registry)).isTrue();
    assertThat(key.getImmutable()).isTrue();
    assertThat(FingerprintKey.of(key)).isPresent();

    // the same value written again: no new pod template, and the key is not redrawn
    var same = Registries.secret(ns, "ldap-bind", Map.of("password", "bind-pw-1"));
    same.getMetadata().setLabels(Map.of("team", "identity"));
    client.resource(same).update();
    holds(ns, "reg-auth", first);
    assertThat(keySecret(ns).getMetadata().getUid()).isEqualTo(key.getMetadata().getUid());

    client.resource(Registries.secret(ns, "ldap-bind", Map.of("password", "bind-pw-2"))).update();
    await().until(() -> !first.equals(annotation(ns, "reg-auth")));
    assertThat(template(ns, "reg-auth")).doesNotContain("bind-pw-2");
    assertThat(annotation(ns, "reg")).isNull();
  }

  @Test
  void aDeletedKeyIsCreatedAnewAndRollsThePodsOnce() {
    String ns = "keyagain";
    var client = cluster.client;
    client.resource(Registries.secret(ns, "hub",
        Map.of("username", "robot", "password", "hub-token-1"))).create();
    client.resource(proxied(ns)).create();
    await().until(() -> annotation(ns, "reg") != null);
    String first = annotation(ns, "reg");
    Secret key = keySecret(ns);

    client.resource(key).delete();
    await().until(() -> keySecret(ns) != null
        && !keySecret(ns).getMetadata().getUid().equals(key.getMetadata().getUid()));
    assertThat(FingerprintKey.of(keySecret(ns)).orElseThrow())
        .isNotEqualTo(FingerprintKey.of(key).orElseThrow());
    // the new key changes the fingerprint once, and then it holds
    rollsOnce(ns, "reg", first);
  }

  @Test
  void aSecretOfThatNameWithoutAKeyIsReportedAndLeftAlone() {
    String ns = "keyclash";
    var client = cluster.client;
    var foreign = Registries.secret(ns, "reg-fingerprint-key", Map.of("token", "someone else's"));
    client.resource(foreign).create();
    client.resource(Registries.secret(ns, "hub",
        Map.of("username", "robot", "password", "hub-token-1"))).create();
    client.resource(proxied(ns)).create();

    await().untilAsserted(() -> {
      var now = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      var available = now.getStatus().condition(ConditionTypes.AVAILABLE).orElseThrow();
      assertThat(available.getReason()).isEqualTo("InvalidFingerprintKey");
      assertThat(available.getMessage()).startsWith("Secret reg-fingerprint-key holds no"
          + " fingerprint key").contains("delete it");
    });
    assertThat(keySecret(ns).getData()).isEqualTo(foreign.getData());
    assertThat(deployment(ns, "reg")).isNull();

    // out of the way: the operator creates its key and the registry comes up
    client.resource(foreign).delete();
    await().until(() -> annotation(ns, "reg") != null);
    assertThat(FingerprintKey.of(keySecret(ns))).isPresent();
  }

  @Test
  void rotatingTheS3SecretKeyRollsTheRegistryOnceAndAnUnchangedSecretNothing() {
    String ns = "s3roll";
    var client = cluster.client;
    client.resource(Registries.secret(ns, "s3-creds",
        Map.of("accessKey", "AKIA1", "secretKey", "s3-secret-1"))).create();
    client.resource(Registries.s3(ns, "reg", "s3-creds")).create();
    await().until(() -> annotation(ns, "reg") != null);
    String first = annotation(ns, "reg");
    assertThat(template(ns, "reg")).doesNotContain("s3-secret-1");

    var same = Registries.secret(ns, "s3-creds",
        Map.of("accessKey", "AKIA1", "secretKey", "s3-secret-1"));
    same.getMetadata().setLabels(Map.of("team", "storage"));
    client.resource(same).update();
    holds(ns, "reg", first);

    client.resource(Registries.secret(ns, "s3-creds",
        Map.of("accessKey", "AKIA1", "secretKey", "s3-secret-2"))).update();
    rollsOnce(ns, "reg", first);
  }

  @Test
  void aNewCaInTheLdapCaConfigMapRollsTheIssuerOnceAndAnUnchangedOneNothing() {
    String ns = "carollcm";
    var client = cluster.client;
    client.resource(configMap(ns, "ldap-ca", Map.of("bundle.pem", "ca-1"))).create();
    client.resource(configMap(ns, "auth-programs", Map.of("check", "program-1"))).create();
    client.resource(Registries.ldapCaConfigMapAndPrograms(ns, "reg", "ldap-ca",
        "auth-programs")).create();
    await().until(() -> annotation(ns, "reg-auth") != null && deployment(ns, "reg-auth")
        .getSpec().getTemplate().getMetadata().getAnnotations()
        .containsKey(dev.portcullis.operator.model.TokenIssuerModel.SIGNER_ANNOTATION));
    String first = annotation(ns, "reg-auth");

    // a label, and a key the issuer does not mount: no new pod template
    var same = configMap(ns, "ldap-ca", Map.of("bundle.pem", "ca-1", "notes", "rotated soon"));
    same.getMetadata().setLabels(Map.of("team", "identity"));
    client.resource(same).update();
    holds(ns, "reg-auth", first);

    client.resource(configMap(ns, "ldap-ca", Map.of("bundle.pem", "ca-2"))).update();
    String second = rollsOnce(ns, "reg-auth", first);

    client.resource(configMap(ns, "auth-programs", Map.of("check", "program-2"))).update();
    rollsOnce(ns, "reg-auth", second);
  }

  /** The fingerprint moves on from {@code before}, then holds; the new one. */
  private static String rollsOnce(String ns, String name, String before) {
    await().until(() -> !before.equals(annotation(ns, name)));
    String after = annotation(ns, name);
    holds(ns, name, after);
    return after;
  }

  /** The pod template keeps {@code fingerprint} and the Deployment rolls nothing for a while. */
  private static void holds(String ns, String name, String fingerprint) {
    long generation = deployment(ns, name).getMetadata().getGeneration();
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(annotation(ns, name)).isEqualTo(fingerprint);
      assertThat(deployment(ns, name).getMetadata().getGeneration()).isEqualTo(generation);
    });
  }

  private static ConfigMap configMap(String ns, String name, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns)
        .endMetadata().withData(data).build();
  }

  private static SecureRegistry proxied(String ns) {
    var r = Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.TLS);
    var hub = Registries.upstream("docker.io", "https://registry-1.docker.io");
    hub.credentialsSecretRef = new ProxyUpstreamSpec.CredentialsSecretRef();
    hub.credentialsSecretRef.name = "hub";
    r.getSpec().proxy = new ProxySpec();
    r.getSpec().proxy.upstreams = List.of(hub);
    return r;
  }

  private static Secret keySecret(String ns) {
    return cluster.client.secrets().inNamespace(ns).withName("reg-fingerprint-key").get();
  }

  private static Deployment deployment(String ns, String name) {
    return cluster.client.resources(Deployment.class).inNamespace(ns).withName(name).get();
  }

  private static String template(String ns, String name) {
    return deployment(ns, name).getSpec().getTemplate().toString();
  }

  private static String annotation(String ns, String name) {
    var d = deployment(ns, name);
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations()
        .get(MountedSecretsFingerprint.ANNOTATION);
  }
}
