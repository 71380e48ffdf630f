package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A keyed hash of the Secret values a pod mounts as files and reads only when it starts. On the
 * pod template it rolls the pods when one of them changes, and leaves the template alone while
 * none does. Two pods carry one: the registry ({@link #keys}: the pull-through cache's upstream
 * credentials and CAs, {@link ProxyModel}, and the notification endpoints' headers, keys and
 * certificates, {@link NotificationsModel}) and the managed token issuer ({@link #issuerKeys}:
 * its backends' passwords, connection strings and CAs, {@link TokenBackendsModel}). Files the
 * registry re-reads by itself (TLS certificate, client CAs, htpasswd, token root bundle) are left
 * out on purpose: a change to them must not restart anything. The managed token CA has its own
 * annotation ({@link DeploymentModel#TOKEN_CA_ANNOTATION}).
 *
 * <p>The hash is an HMAC-SHA256 under the registry's {@link FingerprintKey}, a random key in a
 * Secret of the operator's: whoever reads the Deployment but not that Secret cannot test guesses
 * of a mounted password against the annotation.
 */
public final class MountedSecretsFingerprint {

  /** Pod template annotation holding the fingerprint; absent when no such Secret is mounted. */
  public static final String ANNOTATION = "portcullis.dev/mounted-secrets";

  /** A Secret key mounted as a file the pod reads at start. */
  public record Key(String secret, String key) {}

  private MountedSecretsFingerprint() {}

  /** Every such key of the registry pod, in a stable order (upstreams, then endpoints). */
  public static List<Key> keys(SecureRegistry r) {
    var folders = new ArrayList<SecretFileVolume>(ProxyModel.folders(r));
    folders.addAll(NotificationsModel.folders(r));
    return SecretFileVolume.fingerprintKeys(folders);
  }

  /** Every such key of the token issuer's pod (its backends), in a stable order. */
  public static List<Key> issuerKeys(SecureRegistry r) {
    return SecretFileVolume.fingerprintKeys(List.of(TokenBackendsModel.secretsFolder(r)));
  }

  /** Whether either pod mounts such a key, and so the registry needs a {@link FingerprintKey}. */
  public static boolean needed(SecureRegistry r) {
    return !keys(r).isEmpty() || !issuerKeys(r).isEmpty();
  }

  /**
   * HMAC-SHA256 under {@code hmacKey} (first 16 bytes, hex) over each key's Secret name, key and
   * value (its bytes as mounted), each ended by a zero byte; null without any key. A missing Secret or key counts as an
   * empty value: the pod cannot start without it anyway, and its arrival changes the fingerprint.
   */
  public static String of(List<Key> keys, byte[] hmacKey, Function<String, Secret> lookup) {
    if (keys.isEmpty()) {
      return null;
    }
    Mac mac;
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
    for (Key k : keys) {
      mac.update(k.secret().getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      mac.update(k.key().getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      mac.update(value(lookup.apply(k.secret()), k.key()));
      mac.update((byte) 0);
    }
    return HexFormat.of().formatHex(mac.doFinal(), 0, 16);
  }

  /** The value's bytes as the pod reads them (a key or DER file need not be UTF-8), or none. */
  private static byte[] value(Secret s, String key) {
    if (s == null) {
      return new byte[0];
    }
    if (s.getData() != null && s.getData().get(key) != null) {
      return Base64.getDecoder().decode(s.getData().get(key));
    }
    if (s.getStringData() != null && s.getStringData().get(key) != null) {
      return s.getStringData().get(key).getBytes(StandardCharsets.UTF_8);
    }
    return new byte[0];
  }

  /** Puts {@code fingerprint} on the pod template of {@code d}; null leaves it without one. */
  public static Deployment annotate(Deployment d, String fingerprint) {
    if (fingerprint != null) {
      d.getSpec().getTemplate().getMetadata().getAnnotations().put(ANNOTATION, fingerprint);
    }
    return d;
  }
}
