package dev.portcullis.operator.model;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry's key for {@link MountedSecretsFingerprint}: 32 random bytes in the Secret
 * {@code <registry>-fingerprint-key}, which the operator creates once and the registry owns (it
 * goes when the registry goes). Reconciling never replaces a usable key: a new key changes every
 * fingerprint, and so rolls the registry's and the token issuer's pods once.
 */
public final class FingerprintKey {

  /** The Secret's data key holding the HMAC key. */
  public static final String DATA_KEY = "key";
  /** HMAC-SHA256's block-sized key: shorter keys would weaken it, longer ones add nothing. */
  static final int BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private FingerprintKey() {}

  public static String secretName(SecureRegistry r) {
    return r.getMetadata().getName() + "-fingerprint-key";
  }

  /** A fresh random key. */
  public static byte[] generate() {
    byte[] key = new byte[BYTES];
    RANDOM.nextBytes(key);
    return key;
  }

  /** The key {@code s} holds, or empty when it is missing or too short to use. */
  public static Optional<byte[]> of(Secret s) {
    if (s == null || s.getData() == null || s.getData().get(DATA_KEY) == null) {
      return Optional.empty();
    }
    try {
      byte[] key = Base64.getDecoder().decode(s.getData().get(DATA_KEY));
      return key.length < BYTES ? Optional.empty() : Optional.of(key);
    } catch (IllegalArgumentException notBase64) {
      return Optional.empty();
    }
  }

  /**
   * A Secret of that name that holds no usable key (not the operator's, or edited): the operator
   * neither overwrites nor deletes it, and the registry's pods are not touched until it is gone.
   */
  public static Optional<Problem> problem(SecureRegistry r, Secret existing) {
    if (existing == null || of(existing).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(new Problem(ConditionTypes.AVAILABLE, "InvalidFingerprintKey",
        "Secret " + secretName(r) + " holds no fingerprint key (" + BYTES + " random bytes under"
            + " key " + DATA_KEY + "): delete it and the operator creates one (the pods that"
            + " mount Secrets roll once)"));
  }

  /**
   * The Secret holding {@code key}, controlled by the registry. Immutable: the API server refuses
   * to change it, so the key is replaced only by deleting the Secret.
   */
  public static Secret secret(SecureRegistry r, byte[] key) {
    return new SecretBuilder()
        .withMetadata(Meta.of(r, secretName(r)))
        .editMetadata().withOwnerReferences(List.of(Owners.controllerReference(r))).endMetadata()
        .withType("Opaque")
        .withImmutable(true)
        .withData(Map.of(DATA_KEY, Base64.getEncoder().encodeToString(key)))
        .build();
  }
}
