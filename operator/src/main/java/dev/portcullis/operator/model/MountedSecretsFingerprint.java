package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A keyed hash of the Secret values and ConfigMap data a pod reads only when it starts. On the
 * pod template it rolls the pods when one of them changes, and leaves the template alone while
 * none does. Two pods carry one: the registry ({@link #keys}: the pull-through cache's upstream
 * credentials and CAs, {@link ProxyModel}, the notification endpoints' headers, keys and
 * certificates, {@link NotificationsModel}, and the storage credentials its environment takes
 * from Secrets, {@link DeploymentModel#env}) and the managed token issuer ({@link #issuerKeys}:
 * its backends' passwords, connection strings and CAs, Secrets or ConfigMaps, and its external
 * programs, {@link TokenBackendsModel}). Files the registry re-reads by itself (TLS certificate,
 * client CAs, htpasswd, token root bundle) are left out on purpose: a change to them must not
 * restart anything. The managed token CA has its own annotation
 * ({@link DeploymentModel#TOKEN_CA_ANNOTATION}).
 *
 * <p>The hash is an HMAC-SHA256 under the registry's {@link FingerprintKey}, a random key in a
 * Secret of the operator's: whoever reads the Deployment but not that Secret cannot test guesses
 * of a mounted password against the annotation.
 */
public final class MountedSecretsFingerprint {

  /** Pod template annotation holding the fingerprint; absent when no such Secret is mounted. */
  public static final String ANNOTATION = "portcullis.dev/mounted-secrets";

  /**
   * A key of the Secret (or ConfigMap, {@link #configMap}) {@code name} the pod reads at start:
   * mounted as a file, or in its environment. A ConfigMap key null stands for all its keys.
   */
  public record Key(String name, String key, boolean fromConfigMap) {

    /** A Secret's key. */
    public Key(String secret, String key) {
      this(secret, key, false);
    }

    /** A ConfigMap's key, or with {@code key} null all of its keys. */
    public static Key configMap(String name, String key) {
      return new Key(name, key, true);
    }
  }

  private MountedSecretsFingerprint() {}

  /**
   * Every such key of the registry pod, in a stable order (upstreams, endpoints, then the
   * environment's Secret keys: the kubelet resolves a secretKeyRef only when it starts the
   * container, so a rotated S3 or Azure key reaches no running pod).
   */
  public static List<Key> keys(SecureRegistry r) {
    var folders = new ArrayList<SecretFileVolume>(ProxyModel.folders(r));
    folders.addAll(NotificationsModel.folders(r));
    var keys = new ArrayList<>(SecretFileVolume.fingerprintKeys(folders));
    for (EnvVar e : DeploymentModel.env(r)) {
      if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        keys.add(new Key(ref.getName(), ref.getKey()));
      }
    }
    return keys;
  }

  /** Every such key of the token issuer's pod (its backends, its programs), in a stable order. */
  public static List<Key> issuerKeys(SecureRegistry r) {
    var keys = new ArrayList<>(
        SecretFileVolume.fingerprintKeys(List.of(TokenBackendsModel.secretsFolder(r))));
    TokenBackendsModel.programs(r).ifPresent(name -> keys.add(Key.configMap(name, null)));
    return keys;
  }

  /** Whether either pod mounts such a key, and so the registry needs a {@link FingerprintKey}. */
  public static boolean needed(SecureRegistry r) {
    return !keys(r).isEmpty() || !issuerKeys(r).isEmpty();
  }

  /** As {@link #of(List, byte[], Function, Function)} for keys of Secrets only. */
  public static String of(List<Key> keys, byte[] hmacKey, Function<String, Secret> lookup) {
    if (keys.stream().anyMatch(Key::fromConfigMap)) {
      throw new IllegalArgumentException("ConfigMap keys need a ConfigMap lookup");
    }
    return of(keys, hmacKey, lookup, name -> null);
  }

  /**
   * HMAC-SHA256 under {@code hmacKey} (first 16 bytes, hex) over each key's Secret name, key and
   * value (its bytes as mounted), each ended by a zero byte; null without any key. A ConfigMap's
   * name goes in as {@code configmap/NAME} (no Secret's name holds a slash), a whole ConfigMap as
   * each of its keys in order. A missing Secret, ConfigMap or key counts as an empty value: the
   * pod cannot start without it anyway, and its arrival changes the fingerprint.
   */
  public static String of(List<Key> keys, byte[] hmacKey, Function<String, Secret> secrets,
      Function<String, ConfigMap> configMaps) {
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
      if (!k.fromConfigMap()) {
        update(mac, k.name(), k.key(), value(secrets.apply(k.name()), k.key()));
        continue;
      }
      ConfigMap cm = configMaps.apply(k.name());
      String name = "configmap/" + k.name();
      if (k.key() != null) {
        update(mac, name, k.key(), value(cm, k.key()));
      } else if (cm == null) {
        update(mac, name, "", new byte[0]);
      } else {
        for (String key : keysOf(cm)) {
          update(mac, name, key, value(cm, key));
        }
      }
    }
    return HexFormat.of().formatHex(mac.doFinal(), 0, 16);
  }

  private static void update(Mac mac, String name, String key, byte[] value) {
    mac.update(name.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) 0);
    mac.update(key.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) 0);
    mac.update(value);
    mac.update((byte) 0);
  }

  private static SortedSet<String> keysOf(ConfigMap cm) {
    var keys = new TreeSet<String>();
    if (cm.getData() != null) {
      keys.addAll(cm.getData().keySet());
    }
    if (cm.getBinaryData() != null) {
      keys.addAll(cm.getBinaryData().keySet());
    }
    return keys;
  }

  /** A ConfigMap key's bytes as the pod reads them (data as UTF-8, binaryData decoded), or none. */
  private static byte[] value(ConfigMap cm, String key) {
    if (cm == null) {
      return new byte[0];
    }
    if (cm.getData() != null && cm.getData().get(key) != null) {
      return cm.getData().get(key).getBytes(StandardCharsets.UTF_8);
    }
    if (cm.getBinaryData() != null && cm.getBinaryData().get(key) != null) {
      return Base64.getDecoder().decode(cm.getBinaryData().get(key));
    }
    return new byte[0];
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
