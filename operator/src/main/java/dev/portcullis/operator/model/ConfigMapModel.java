package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** The ConfigMap carrying config.yml, and the hash that rolls the pods when it changes. */
public final class ConfigMapModel {
  private ConfigMapModel() {}

  public static ConfigMap desired(SecureRegistry r) {
    return new ConfigMapBuilder()
        .withMetadata(Meta.of(r, Names.configMap(r)))
        .withData(Map.of(RegistryConfig.KEY, RegistryConfig.yaml(r)))
        .build();
  }

  /** SHA-256 of config.yml: goes on the pod template, so a config change is a rollout. */
  public static String configHash(SecureRegistry r) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(RegistryConfig.yaml(r).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
