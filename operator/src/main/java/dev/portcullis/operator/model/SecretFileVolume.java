package dev.portcullis.operator.model;

import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One folder of a pod made of Secret keys: a projected volume, readable by the pod's user and
 * group only, mounted read-only. Passwords, tokens and private keys reach the registry and the
 * token issuer only this way, so the config names files and never holds a value. The keys of one
 * Secret added together share one projection (the kubelet writes them in the same update: an
 * upstream's user name never lags its password). The token issuer's CAs may come from a
 * ConfigMap instead: they are files of the same folder, but not Secret values.
 */
public final class SecretFileVolume {

  /** Read-only for the pod's user and group (fsGroup), nothing for others. */
  public static final int MODE = 0440;

  private final String name;
  private final String dir;
  private final List<VolumeProjection> sources = new ArrayList<>();
  private final List<SecretFile> files = new ArrayList<>();
  /** Secret and ConfigMap keys alike, in the order they were added. */
  private final List<MountedSecretsFingerprint.Key> readAtStart = new ArrayList<>();

  /** An empty folder: the volume {@code name}, mounted at {@code dir}. */
  public SecretFileVolume(String name, String dir) {
    this.name = name;
    this.dir = dir;
  }

  /** Keys of one Secret, as one projection, in the given order. */
  public SecretFileVolume secret(SecretFile... sameSecret) {
    if (sameSecret.length == 0) {
      throw new IllegalArgumentException("a projection needs at least one key");
    }
    String secret = sameSecret[0].secret();
    if (Arrays.stream(sameSecret).anyMatch(f -> !f.secret().equals(secret))) {
      throw new IllegalArgumentException("one projection reads one Secret, not several");
    }
    sources.add(new VolumeProjectionBuilder().withNewSecret().withName(secret)
        .withItems(Arrays.stream(sameSecret).map(f -> item(f.key(), f.path())).toList())
        .endSecret().build());
    files.addAll(Arrays.asList(sameSecret));
    Arrays.stream(sameSecret)
        .forEach(f -> readAtStart.add(new MountedSecretsFingerprint.Key(f.secret(), f.key())));
    return this;
  }

  /** A ConfigMap key as a file of the folder (a CA, public). */
  public SecretFileVolume configMap(String configMap, String key, String path) {
    sources.add(new VolumeProjectionBuilder().withNewConfigMap().withName(configMap)
        .withItems(item(key, path)).endConfigMap().build());
    readAtStart.add(MountedSecretsFingerprint.Key.configMap(configMap, key));
    return this;
  }

  /** The Secret keys of the folder, in the order they were added. */
  public List<SecretFile> files() {
    return List.copyOf(files);
  }

  /** The projected volume, or empty while nothing was added. */
  public Optional<Volume> volume() {
    if (sources.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new VolumeBuilder().withName(name).withNewProjected()
        .withDefaultMode(MODE).withSources(List.copyOf(sources)).endProjected().build());
  }

  /** The container's read-only mount of {@link #volume}, or empty while nothing was added. */
  public Optional<VolumeMount> mount() {
    if (sources.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new VolumeMountBuilder().withName(name).withMountPath(dir)
        .withReadOnly(true).build());
  }

  /** The volumes of those folders that hold something, in order. */
  public static List<Volume> volumes(List<SecretFileVolume> folders) {
    return folders.stream().flatMap(f -> f.volume().stream()).toList();
  }

  /** The mounts of those folders that hold something, in order. */
  public static List<VolumeMount> mounts(List<SecretFileVolume> folders) {
    return folders.stream().flatMap(f -> f.mount().stream()).toList();
  }

  /** Every Secret key of the folders, in order. */
  public static List<SecretFile> files(List<SecretFileVolume> folders) {
    return folders.stream().flatMap(f -> f.files.stream()).toList();
  }

  /** The Secrets the folders read, so that a change to one reconciles the registry. */
  public static Set<String> secretNames(List<SecretFileVolume> folders) {
    var names = new LinkedHashSet<String>();
    files(folders).forEach(f -> names.add(f.secret()));
    return names;
  }

  /** The folders' Secret and ConfigMap keys, for {@link MountedSecretsFingerprint}. */
  public static List<MountedSecretsFingerprint.Key> fingerprintKeys(
      List<SecretFileVolume> folders) {
    return folders.stream().flatMap(f -> f.readAtStart.stream()).toList();
  }

  private static KeyToPath item(String key, String path) {
    return new KeyToPath(key, null, path);
  }
}
