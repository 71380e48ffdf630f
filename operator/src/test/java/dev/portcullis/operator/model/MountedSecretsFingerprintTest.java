package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.NotificationsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * One fingerprint over every Secret the registry mounts and reads only at start, keyed by the
 * registry's fingerprint key.
 */
class MountedSecretsFingerprintTest {

  static final byte[] KEY = FingerprintKey.generate();

  static Map<String, Secret> upstreamSecrets() {
    var s = new HashMap<String, Secret>();
    s.put("hub", Registries.secret("infra", "hub", Map.of("username", "robot",
        "password", "hub-token-1")));
    s.put("ghcr-ca", Registries.secret("infra", "ghcr-ca", Map.of("bundle.pem", ProxyModelTest.CA)));
    return s;
  }

  private static String of(SecureRegistry r, Map<String, Secret> secrets) {
    return MountedSecretsFingerprint.of(MountedSecretsFingerprint.keys(r), KEY, secrets::get);
  }

  @Test
  void theUpstreamsCredentialsAndCaAreTheKeysAndTheirRotationChangesTheFingerprint() {
    var r = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    assertThat(MountedSecretsFingerprint.keys(r)).containsExactly(
        new MountedSecretsFingerprint.Key("hub", "username"),
        new MountedSecretsFingerprint.Key("hub", "password"),
        new MountedSecretsFingerprint.Key("ghcr-ca", "bundle.pem"));
    var secrets = upstreamSecrets();
    String before = of(r, secrets);
    assertThat(before).hasSize(32).matches("[0-9a-f]{32}").isEqualTo(of(r, upstreamSecrets()));

    secrets.put("hub", Registries.secret("infra", "hub", Map.of("username", "robot",
        "password", "hub-token-2")));
    String rotated = of(r, secrets);
    assertThat(rotated).isNotEqualTo(before).doesNotContain("hub-token");

    secrets.put("ghcr-ca", Registries.secret("infra", "ghcr-ca",
        Map.of("bundle.pem", ProxyModelTest.CA + ProxyModelTest.CA)));
    assertThat(of(r, secrets)).isNotEqualTo(rotated);
  }

  @Test
  void aMissingSecretHashesAsAbsentAndItsArrivalChangesTheFingerprint() {
    var r = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    var secrets = upstreamSecrets();
    String present = of(r, secrets);
    secrets.remove("hub");
    String missing = of(r, secrets);
    assertThat(missing).isNotNull().isNotEqualTo(present);
  }

  @Test
  void upstreamsAndEndpointsShareOneFingerprint() {
    SecureRegistry both = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    both.getSpec().notifications = NotificationsModelTest.notifying().getSpec().notifications;
    var secrets = upstreamSecrets();
    secrets.putAll(NotificationsModelTest.secrets());
    assertThat(MountedSecretsFingerprint.keys(both)).hasSize(3 + 5)
        .startsWith(new MountedSecretsFingerprint.Key("hub", "username"))
        .contains(new MountedSecretsFingerprint.Key("hook-token", "authorization"));
    String before = of(both, secrets);
    secrets.put("hook-token", Registries.secret("infra", "hook-token",
        Map.of("authorization", "Bearer rotated")));
    String afterEndpoint = of(both, secrets);
    assertThat(afterEndpoint).isNotEqualTo(before);
    secrets.put("hub", Registries.secret("infra", "hub", Map.of("username", "robot",
        "password", "hub-token-2")));
    assertThat(of(both, secrets)).isNotEqualTo(afterEndpoint);
  }

  @Test
  void itIsAnHmacUnderTheRegistrysKeySoAReaderOfTheDeploymentCannotTestGuesses() throws Exception {
    var r = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    var secrets = upstreamSecrets();
    var keys = MountedSecretsFingerprint.keys(r);
    String fingerprint = MountedSecretsFingerprint.of(keys, KEY, secrets::get);

    // HMAC-SHA256 over name, key and value of each mounted key, each ended by a zero byte
    var mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
    for (String part : new String[] {"hub", "username", "robot", "hub", "password", "hub-token-1",
        "ghcr-ca", "bundle.pem", ProxyModelTest.CA}) {
      mac.update(part.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
    }
    assertThat(fingerprint).isEqualTo(HexFormat.of().formatHex(mac.doFinal(), 0, 16));

    // the right guess of every value, hashed under any other key, does not match
    assertThat(MountedSecretsFingerprint.of(keys, FingerprintKey.generate(), secrets::get))
        .isNotEqualTo(fingerprint);
    assertThat(MountedSecretsFingerprint.of(keys, new byte[32], secrets::get))
        .isNotEqualTo(fingerprint);
  }

  @Test
  void binaryValuesAreHashedAsTheBytesThePodReads() {
    var r = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    var secrets = upstreamSecrets();
    // two values that are not UTF-8 and would decode to the same replacement character
    secrets.put("ghcr-ca", binary("ghcr-ca", "bundle.pem", new byte[] {(byte) 0xff}));
    String one = of(r, secrets);
    secrets.put("ghcr-ca", binary("ghcr-ca", "bundle.pem", new byte[] {(byte) 0xfe}));
    assertThat(of(r, secrets)).isNotEqualTo(one);
  }

  @Test
  void theTokenIssuersBackendsHaveAFingerprintOfTheirOwn() {
    var r = Registries.managedLdap("infra", "reg");
    r.getSpec().proxy = ProxyModelTest.cache(TlsSpec.Mode.TLS).getSpec().proxy;
    var ldap = r.getSpec().auth.token.managed.ldap;
    ldap.bindDN = "cn=registry,dc=example,dc=com";
    ldap.bindPasswordSecretRef = new io.fabric8.kubernetes.api.model.SecretKeySelector(
        null, "ldap-bind", null);
    assertThat(MountedSecretsFingerprint.issuerKeys(r))
        .containsExactly(new MountedSecretsFingerprint.Key("ldap-bind", "password"));
    assertThat(MountedSecretsFingerprint.needed(r)).isTrue();

    var secrets = upstreamSecrets();
    secrets.put("ldap-bind", Registries.secret("infra", "ldap-bind", Map.of("password", "bind-1")));
    var issuerKeys = MountedSecretsFingerprint.issuerKeys(r);
    String issuer = MountedSecretsFingerprint.of(issuerKeys, KEY, secrets::get);
    String registry = of(r, secrets);
    secrets.put("ldap-bind", Registries.secret("infra", "ldap-bind", Map.of("password", "bind-2")));
    // the issuer's changes, the registry's stays
    assertThat(MountedSecretsFingerprint.of(issuerKeys, KEY, secrets::get)).isNotEqualTo(issuer);
    assertThat(of(r, secrets)).isEqualTo(registry);

    var deployment = MountedSecretsFingerprint.annotate(TokenIssuerModel.deployment(r), issuer);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(MountedSecretsFingerprint.ANNOTATION, issuer);
  }

  @Test
  void theS3CredentialsTheEnvironmentReadsAreKeysAndTheirRotationChangesTheFingerprint() {
    var r = Registries.s3("infra", "reg", "s3-creds");
    assertThat(MountedSecretsFingerprint.keys(r)).containsExactly(
        new MountedSecretsFingerprint.Key("s3-creds", "accessKey"),
        new MountedSecretsFingerprint.Key("s3-creds", "secretKey"));
    assertThat(MountedSecretsFingerprint.needed(r)).isTrue();
    var secrets = new HashMap<String, Secret>();
    secrets.put("s3-creds", Registries.secret("infra", "s3-creds",
        Map.of("accessKey", "AKIA1", "secretKey", "s3-secret-1")));
    String before = of(r, secrets);
    assertThat(before).isNotNull();
    secrets.put("s3-creds", Registries.secret("infra", "s3-creds",
        Map.of("accessKey", "AKIA1", "secretKey", "s3-secret-1")));
    assertThat(of(r, secrets)).isEqualTo(before);
    secrets.put("s3-creds", Registries.secret("infra", "s3-creds",
        Map.of("accessKey", "AKIA1", "secretKey", "s3-secret-2")));
    assertThat(of(r, secrets)).isNotEqualTo(before).doesNotContain("s3-secret");
  }

  @Test
  void theAzureAccountKeyIsAKey() {
    var r = Registries.basic("infra", "reg");
    r.getSpec().storage = new dev.portcullis.operator.api.StorageSpec();
    r.getSpec().storage.azure = new dev.portcullis.operator.api.AzureStorageSpec();
    r.getSpec().storage.azure.accountName = "acct";
    r.getSpec().storage.azure.container = "images";
    r.getSpec().storage.azure.accountKeySecretRef =
        new dev.portcullis.operator.api.AzureStorageSpec.AccountKeySecretRef();
    r.getSpec().storage.azure.accountKeySecretRef.name = "azure-storage";
    assertThat(MountedSecretsFingerprint.keys(r)).singleElement().satisfies(k -> {
      assertThat(k.name()).isEqualTo("azure-storage");
      assertThat(k.fromConfigMap()).isFalse();
    });
  }

  static ConfigMap configMap(String name, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("infra")
        .endMetadata().withData(data).build();
  }

  @Test
  void theIssuersCaConfigMapAndProgramsAreKeysAndAChangeToWhatItReadsChangesTheFingerprint() {
    var r = Registries.ldapCaConfigMapAndPrograms("infra", "reg", "ldap-ca",
        "auth-programs");
    assertThat(MountedSecretsFingerprint.issuerKeys(r)).containsExactly(
        MountedSecretsFingerprint.Key.configMap("ldap-ca", "bundle.pem"),
        MountedSecretsFingerprint.Key.configMap("auth-programs", null));
    assertThat(MountedSecretsFingerprint.keys(r)).isEmpty();
    assertThat(MountedSecretsFingerprint.needed(r)).isTrue();
    var keys = MountedSecretsFingerprint.issuerKeys(r);
    var maps = new HashMap<String, ConfigMap>();
    maps.put("ldap-ca", configMap("ldap-ca", Map.of("bundle.pem", ProxyModelTest.CA)));
    maps.put("auth-programs", configMap("auth-programs", Map.of("check", "#!/usr/bin/java 1")));
    String before = MountedSecretsFingerprint.of(keys, KEY, n -> null, maps::get);
    assertThat(before).hasSize(32);

    // a key the issuer does not mount: nothing to roll for
    maps.put("ldap-ca", configMap("ldap-ca", Map.of("bundle.pem", ProxyModelTest.CA,
        "unrelated", "x")));
    assertThat(MountedSecretsFingerprint.of(keys, KEY, n -> null, maps::get)).isEqualTo(before);

    maps.put("ldap-ca", configMap("ldap-ca",
        Map.of("bundle.pem", ProxyModelTest.CA + ProxyModelTest.CA)));
    String newCa = MountedSecretsFingerprint.of(keys, KEY, n -> null, maps::get);
    assertThat(newCa).isNotEqualTo(before);

    // every key of the programs' ConfigMap is mounted, binaryData as well
    maps.put("auth-programs", new ConfigMapBuilder().withNewMetadata().withName("auth-programs")
        .endMetadata().withData(Map.of("check", "#!/usr/bin/java 1"))
        .withBinaryData(Map.of("authorize", Base64.getEncoder().encodeToString(new byte[] {1})))
        .build());
    String newProgram = MountedSecretsFingerprint.of(keys, KEY, n -> null, maps::get);
    assertThat(newProgram).isNotEqualTo(newCa);

    maps.remove("ldap-ca");
    assertThat(MountedSecretsFingerprint.of(keys, KEY, n -> null, maps::get))
        .isNotNull().isNotEqualTo(newProgram);
    // ConfigMap keys need a ConfigMap lookup, never a silent empty value
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> MountedSecretsFingerprint.of(keys, KEY, n -> null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutSuchSecretsThereIsNoFingerprintAndNoAnnotation() {
    var plain = Registries.basic("infra", "plain");
    plain.getSpec().notifications = new NotificationsSpec();
    assertThat(MountedSecretsFingerprint.keys(plain)).isEmpty();
    assertThat(MountedSecretsFingerprint.issuerKeys(plain)).isEmpty();
    assertThat(MountedSecretsFingerprint.needed(plain)).isFalse();
    assertThat(MountedSecretsFingerprint.of(MountedSecretsFingerprint.keys(plain), KEY, n -> null))
        .isNull();
    assertThat(MountedSecretsFingerprint.annotate(DeploymentModel.desired(plain), null).getSpec()
        .getTemplate().getMetadata().getAnnotations())
        .doesNotContainKey(MountedSecretsFingerprint.ANNOTATION);
  }

  private static Secret binary(String name, String key, byte[] value) {
    return new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace("infra").build())
        .withData(Map.of(key, Base64.getEncoder().encodeToString(value))).build();
  }
}
