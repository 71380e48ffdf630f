package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The files of a Secret, ConfigMap or projected volume as the kubelet lays them out: every key
 * (or only the listed {@code items}, at their {@code path}), each with the item's {@code mode},
 * else the volume's {@code defaultMode}, else 0644. A missing object, or a listed key missing
 * from it, holds the pod in ContainerCreating unless the source is {@code optional}.
 */
final class VolumeFiles {

  /** Kubernetes' default for Secret, ConfigMap and projected volumes. */
  static final int DEFAULT_MODE = 0644;

  record File(byte[] content, int mode) {}

  /**
   * What to write, or why not yet. {@code version} changes whenever any source object does, so the
   * kubelet rewrites the volume only then.
   */
  record Contents(Map<String, File> files, String version, String missing) {
    boolean ready() {
      return missing == null;
    }
  }

  static boolean handles(Volume v) {
    return v.getSecret() != null || v.getConfigMap() != null || v.getProjected() != null;
  }

  /**
   * The volume's files, reading its objects in {@code namespace}; ConfigMap text goes through
   * {@code configMapText} (the kubelet's path rewriting).
   */
  static Contents of(Volume v, KubernetesClient client, String namespace,
      UnaryOperator<String> configMapText) {
    var files = new LinkedHashMap<String, File>();
    var versions = new ArrayList<String>();
    if (v.getSecret() != null) {
      var s = v.getSecret();
      String missing = addSecret(client, namespace, s.getSecretName(), s.getItems(),
          s.getOptional(), mode(s.getDefaultMode()), files, versions);
      return new Contents(files, String.join(",", versions), missing);
    }
    if (v.getConfigMap() != null) {
      var c = v.getConfigMap();
      String missing = addConfigMap(client, namespace, c.getName(), c.getItems(),
          c.getOptional(), mode(c.getDefaultMode()), configMapText, files, versions);
      return new Contents(files, String.join(",", versions), missing);
    }
    if (v.getProjected() == null) {
      throw new IllegalArgumentException("volume " + v.getName() + " is not a Secret, ConfigMap"
          + " or projected volume");
    }
    int defaultMode = mode(v.getProjected().getDefaultMode());
    for (VolumeProjection p : v.getProjected().getSources()) {
      String missing;
      if (p.getSecret() != null) {
        missing = addSecret(client, namespace, p.getSecret().getName(), p.getSecret().getItems(),
            p.getSecret().getOptional(), defaultMode, files, versions);
      } else if (p.getConfigMap() != null) {
        missing = addConfigMap(client, namespace, p.getConfigMap().getName(),
            p.getConfigMap().getItems(), p.getConfigMap().getOptional(), defaultMode,
            configMapText, files, versions);
      } else {
        throw new IllegalStateException("the test kubelet projects only Secret and ConfigMap"
            + " sources; volume " + v.getName() + " has " + p);
      }
      if (missing != null) {
        return new Contents(Map.of(), "", missing);
      }
    }
    return new Contents(files, String.join(",", versions), null);
  }

  private static int mode(Integer mode) {
    return mode == null ? DEFAULT_MODE : mode;
  }

  private static String addSecret(KubernetesClient client, String namespace, String name,
      List<KeyToPath> items, Boolean optional, int defaultMode, Map<String, File> files,
      List<String> versions) {
    Secret s = client.secrets().inNamespace(namespace).withName(name).get();
    if (s == null) {
      versions.add("Secret/" + name + "=absent");
      return Boolean.TRUE.equals(optional) ? null : "Secret " + name + " not found";
    }
    versions.add("Secret/" + name + "=" + s.getMetadata().getResourceVersion());
    var data = new LinkedHashMap<String, byte[]>();
    if (s.getData() != null) {
      s.getData().forEach((k, val) -> data.put(k, Base64.getDecoder().decode(val)));
    }
    if (s.getStringData() != null) {
      s.getStringData().forEach((k, val) -> data.put(k, val.getBytes(StandardCharsets.UTF_8)));
    }
    return select("Secret " + name, data, items, optional, defaultMode, files);
  }

  private static String addConfigMap(KubernetesClient client, String namespace, String name,
      List<KeyToPath> items, Boolean optional, int defaultMode, UnaryOperator<String> text,
      Map<String, File> files, List<String> versions) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
    if (cm == null) {
      versions.add("ConfigMap/" + name + "=absent");
      return Boolean.TRUE.equals(optional) ? null : "ConfigMap " + name + " not found";
    }
    versions.add("ConfigMap/" + name + "=" + cm.getMetadata().getResourceVersion());
    var data = new LinkedHashMap<String, byte[]>();
    if (cm.getData() != null) {
      cm.getData().forEach((k, val) -> data.put(k,
          text.apply(val).getBytes(StandardCharsets.UTF_8)));
    }
    if (cm.getBinaryData() != null) {
      cm.getBinaryData().forEach((k, val) -> data.put(k, Base64.getDecoder().decode(val)));
    }
    return select("ConfigMap " + name, data, items, optional, defaultMode, files);
  }

  /** Adds every key, or the listed items; the reason the pod waits if a listed key is missing. */
  private static String select(String source, Map<String, byte[]> data, List<KeyToPath> items,
      Boolean optional, int defaultMode, Map<String, File> files) {
    if (items == null || items.isEmpty()) {
      data.forEach((k, val) -> files.put(k, new File(val, defaultMode)));
      return null;
    }
    for (KeyToPath item : items) {
      byte[] val = data.get(item.getKey());
      if (val == null) {
        if (Boolean.TRUE.equals(optional)) {
          continue;
        }
        return "key " + item.getKey() + " not found in " + source;
      }
      files.put(item.getPath(), new File(val, item.getMode() == null ? defaultMode
          : item.getMode()));
    }
    return null;
  }

  private VolumeFiles() {}
}
