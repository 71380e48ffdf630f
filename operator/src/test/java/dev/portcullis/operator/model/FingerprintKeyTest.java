package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.testsupport.Registries;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry's fingerprint key: its Secret, what counts as a usable key, what is in the way. */
class FingerprintKeyTest {

  @Test
  void theSecretHoldsThirtyTwoRandomBytesIsImmutableAndOwnedByTheRegistry() {
    var r = Registries.basic("infra", "cache");
    r.getMetadata().setUid("0b7c6f2e-1111-4c4e-9d7a-000000000001");
    byte[] key = FingerprintKey.generate();
    assertThat(key).hasSize(32).isNotEqualTo(FingerprintKey.generate());

    var secret = FingerprintKey.secret(r, key);
    assertThat(secret.getMetadata().getName()).isEqualTo("cache-fingerprint-key");
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("infra");
    assertThat(secret.getImmutable()).isTrue();
    assertThat(Owners.isControlledBy(secret, r)).isTrue();
    assertThat(secret.getData()).containsOnlyKeys("key");
    assertThat(FingerprintKey.of(secret)).hasValueSatisfying(k -> assertThat(k).isEqualTo(key));
    assertThat(FingerprintKey.problem(r, secret)).isEmpty();
  }

  @Test
  void aSecretOfThatNameWithoutAUsableKeyIsAProblemNamingWhatToDo() {
    var r = Registries.basic("infra", "cache");
    assertThat(FingerprintKey.problem(r, null)).isEmpty();
    for (var unusable : new io.fabric8.kubernetes.api.model.Secret[] {
        Registries.secret("infra", "cache-fingerprint-key", Map.of("key", "short")),
        Registries.secret("infra", "cache-fingerprint-key", Map.of("other", "x".repeat(64))),
        new io.fabric8.kubernetes.api.model.SecretBuilder(
            Registries.secret("infra", "cache-fingerprint-key", Map.of()))
            .withData(Map.of("key", "not base64 at all!")).build()}) {
      assertThat(FingerprintKey.of(unusable)).isEmpty();
      var problem = FingerprintKey.problem(r, unusable).orElseThrow();
      assertThat(problem.conditionType()).isEqualTo(ConditionTypes.AVAILABLE);
      assertThat(problem.reason()).isEqualTo("InvalidFingerprintKey");
      assertThat(problem.message()).isEqualTo("Secret cache-fingerprint-key holds no fingerprint"
          + " key (32 random bytes under key key): delete it and the operator creates one (the"
          + " pods that mount Secrets roll once)");
    }
    // a key put there by someone else (GitOps) is used as it is
    var given = Registries.secret("infra", "cache-fingerprint-key", Map.of());
    given.setData(Map.of("key", Base64.getEncoder().encodeToString(new byte[48])));
    assertThat(FingerprintKey.of(given)).hasValueSatisfying(k -> assertThat(k).hasSize(48));
  }
}
