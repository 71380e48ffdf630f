package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.NotificationsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One fingerprint over every Secret the registry mounts and reads only at start. */
class MountedSecretsFingerprintTest {

  static Map<String, Secret> upstreamSecrets() {
    var s = new HashMap<String, Secret>();
    s.put("hub", Registries.secret("infra", "hub", Map.of("username", "robot",
        "password", "hub-token-1")));
    s.put("ghcr-ca", Registries.secret("infra", "ghcr-ca", Map.of("bundle.pem", ProxyModelTest.CA)));
    return s;
  }

  @Test
  void theUpstreamsCredentialsAndCaAreTheKeysAndTheirRotationChangesTheFingerprint() {
    var r = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    assertThat(MountedSecretsFingerprint.keys(r)).containsExactly(
        new MountedSecretsFingerprint.Key("hub", "username"),
        new MountedSecretsFingerprint.Key("hub", "password"),
        new MountedSecretsFingerprint.Key("ghcr-ca", "bundle.pem"));
    var secrets = upstreamSecrets();
    String before = MountedSecretsFingerprint.of(r, secrets::get);
    assertThat(before).hasSize(32).matches("[0-9a-f]{32}")
        .isEqualTo(MountedSecretsFingerprint.of(r, upstreamSecrets()::get));

    secrets.put("hub", Registries.secret("infra", "hub", Map.of("username", "robot",
        "password", "hub-token-2")));
    String rotated = MountedSecretsFingerprint.of(r, secrets::get);
    assertThat(rotated).isNotEqualTo(before).doesNotContain("hub-token");

    secrets.put("ghcr-ca", Registries.secret("infra", "ghcr-ca",
        Map.of("bundle.pem", ProxyModelTest.CA + ProxyModelTest.CA)));
    assertThat(MountedSecretsFingerprint.of(r, secrets::get)).isNotEqualTo(rotated);
  }

  @Test
  void aMissingSecretHashesAsAbsentAndItsArrivalChangesTheFingerprint() {
    var r = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    var secrets = upstreamSecrets();
    String present = MountedSecretsFingerprint.of(r, secrets::get);
    secrets.remove("hub");
    String missing = MountedSecretsFingerprint.of(r, secrets::get);
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
    String before = MountedSecretsFingerprint.of(both, secrets::get);
    secrets.put("hook-token", Registries.secret("infra", "hook-token",
        Map.of("authorization", "Bearer rotated")));
    String afterEndpoint = MountedSecretsFingerprint.of(both, secrets::get);
    assertThat(afterEndpoint).isNotEqualTo(before);
    secrets.put("hub", Registries.secret("infra", "hub", Map.of("username", "robot",
        "password", "hub-token-2")));
    assertThat(MountedSecretsFingerprint.of(both, secrets::get)).isNotEqualTo(afterEndpoint);
  }

  @Test
  void theRegistrysUidSaltsTheHashSoEqualPasswordsLookDifferentElsewhere() {
    var one = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    one.getMetadata().setUid("0b7c6f2e-1111-4c4e-9d7a-000000000001");
    var other = ProxyModelTest.cache(TlsSpec.Mode.TLS);
    other.getMetadata().setUid("0b7c6f2e-1111-4c4e-9d7a-000000000002");
    var secrets = upstreamSecrets();
    assertThat(MountedSecretsFingerprint.of(one, secrets::get))
        .isEqualTo(MountedSecretsFingerprint.of(one, secrets::get))
        .isNotEqualTo(MountedSecretsFingerprint.of(other, secrets::get));
  }

  @Test
  void withoutSuchSecretsThereIsNoFingerprintAndNoAnnotation() {
    var plain = Registries.basic("infra", "plain");
    plain.getSpec().notifications = new NotificationsSpec();
    assertThat(MountedSecretsFingerprint.keys(plain)).isEmpty();
    assertThat(MountedSecretsFingerprint.of(plain, n -> null)).isNull();
    assertThat(DeploymentModel.desired(plain).getSpec().getTemplate().getMetadata()
        .getAnnotations()).doesNotContainKey(MountedSecretsFingerprint.ANNOTATION);
  }
}
