package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A hash of the Secret values the registry pod mounts as files and reads only when it starts: the
 * pull-through cache's upstream credentials and CAs ({@link ProxyModel}) and the notification
 * endpoints' headers, keys and certificates ({@link NotificationsModel}). On the pod template it
 * rolls the pods when one of them changes, and leaves the template alone while none does. Files
 * the registry re-reads by itself (TLS certificate, client CAs, htpasswd, token root bundle) are
 * left out on purpose: a change to them must not restart anything. The managed token CA has its
 * own annotation ({@link DeploymentModel#TOKEN_CA_ANNOTATION}).
 */
public final class MountedSecretsFingerprint {

  /** Pod template annotation holding the fingerprint; absent when no such Secret is mounted. */
  public static final String ANNOTATION = "portcullis.dev/mounted-secrets";

  /** A Secret key mounted as a file the registry reads at start. */
  public record Key(String secret, String key) {}

  private MountedSecretsFingerprint() {}

  /** Every such key of the registry, in a stable order (upstreams, then endpoints). */
  public static List<Key> keys(SecureRegistry r) {
    var keys = new ArrayList<Key>(ProxyModel.mountedKeys(r));
    keys.addAll(NotificationsModel.mountedKeys(r));
    return keys;
  }

  /**
   * SHA-256 (first 16 bytes, hex) over the registry's uid and each key's Secret name, key and
   * value, or null without any key. A missing Secret or key hashes as an empty value: the pod
   * cannot start without it anyway, and its arrival changes the fingerprint. The uid salts the
   * hash so that no table precomputed for common passwords fits it; a reader of the Deployment can
   * still test guesses of a weak value, which is why the docs ask for tokens, not passwords.
   */
  public static String of(SecureRegistry r, Function<String, Secret> lookup) {
    List<Key> keys = keys(r);
    if (keys.isEmpty()) {
      return null;
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    String uid = r.getMetadata().getUid();
    sha.update((uid == null ? "" : uid).getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    for (Key k : keys) {
      Secret s = lookup.apply(k.secret());
      String value = s == null ? null : SecretInputs.value(s, k.key());
      for (String part : new String[] {k.secret(), k.key(), value == null ? "" : value}) {
        sha.update(part.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 16);
  }
}
