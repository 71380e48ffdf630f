package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The pull robot of a registry's pull secrets: a generated htpasswd user listed in
 * {@code auth.htpasswd.pullonly} (Portcullis' extension: it may pull, never push or delete). Its
 * password lives in the Secret {@code <registry>-pull-robot}, owned by the registry, and is
 * replaced when the rotation interval has passed.
 */
public final class PullRobot {

  public static final String USERNAME = "portcullis-pull";
  public static final String ROTATED_AT = "portcullis.dev/rotated-at";
  /** Label on every pull secret, naming its registry as namespace.name. */
  public static final String REGISTRY_LABEL = "portcullis.dev/pull-secret-of";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private PullRobot() {}

  public static String secretName(SecureRegistry r) {
    return r.getMetadata().getName() + "-pull-robot";
  }

  /**
   * The pull secret's name in a selected namespace: readable ({@code portcullis-<namespace>-<name>-pull})
   * and ending in a hash of namespace/name, since the readable part alone is the same for
   * {@code team} + {@code a-x} and {@code team-a} + {@code x}.
   */
  public static String pullSecretName(SecureRegistry r) {
    String ns = r.getMetadata().getNamespace();
    String name = r.getMetadata().getName();
    String suffix = "-pull-" + shortHash(ns + "/" + name);
    return cut("portcullis-" + ns + "-" + name, 253 - suffix.length()) + suffix;
  }

  /** {@code text} cut to at most {@code max} characters, ending on a letter or digit as names and labels must. */
  private static String cut(String text, int max) {
    String head = text.length() <= max ? text : text.substring(0, max);
    return head.replaceAll("[^a-z0-9A-Z]+$", "");
  }

  private static String shortHash(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 10);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code namespace.name}, which identifies the registry when it fits a label value (63 characters); a longer one
   * is cut and made unique by a hash of the whole, so a long namespace and name still label their secrets.
   */
  public static String registryLabel(SecureRegistry r) {
    String full = r.getMetadata().getNamespace() + "." + r.getMetadata().getName();
    if (full.length() <= 63) {
      return full;
    }
    String suffix = "-" + shortHash(full);
    return cut(full, 63 - suffix.length()) + suffix;
  }

  public static String newPassword() {
    byte[] b = new byte[24];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** True when the robot's Secret is missing, unreadable or older than the rotation interval. */
  public static boolean rotationDue(Secret existing, Duration interval, Instant now) {
    if (existing == null || existing.getData() == null || existing.getData().get("password") == null
        || existing.getMetadata().getAnnotations() == null) {
      return true;
    }
    try {
      Instant at = Instant.parse(existing.getMetadata().getAnnotations().get(ROTATED_AT));
      return !at.plus(interval).isAfter(now);
    } catch (RuntimeException e) {
      return true;
    }
  }

  public static Secret robotSecret(SecureRegistry r, String password, Instant rotatedAt) {
    var meta = Meta.of(r, secretName(r));
    meta.setAnnotations(new LinkedHashMap<>(Map.of(ROTATED_AT, rotatedAt.toString())));
    return new SecretBuilder()
        .withMetadata(meta)
        .withType("Opaque")
        .withData(Map.of("username", b64(USERNAME), "password", b64(password)))
        .build();
  }

  /** The namespaces the author asks for: the listed ones and those the selector matched. */
  public static List<String> namespaces(SecureRegistry r, List<String> selectedByLabel) {
    var out = new TreeSet<String>(r.getSpec().pullSecrets.effectiveNamespaces());
    out.addAll(selectedByLabel);
    return List.copyOf(out);
  }

  /** {@code .dockerconfigjson} for every name the registry is reached by, written by Jackson. */
  public static String dockerConfigJson(SecureRegistry r, String password) {
    String auth = Base64.getEncoder().encodeToString(
        (USERNAME + ":" + password).getBytes(StandardCharsets.UTF_8));
    var auths = new LinkedHashMap<String, Object>();
    for (String host : NodeTrustModel.hosts(r)) {
      var entry = new LinkedHashMap<String, String>();
      entry.put("username", USERNAME);
      entry.put("password", password);
      entry.put("auth", auth);
      auths.put(host, entry);
    }
    try {
      return JSON.writeValueAsString(Map.of("auths", auths));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("strings and maps always serialize", e);
    }
  }

  public static Secret pullSecret(SecureRegistry r, String namespace, String password) {
    var labels = new LinkedHashMap<String, String>();
    labels.put(Names.MANAGED_BY_LABEL, Names.MANAGED_BY);
    labels.put(REGISTRY_LABEL, registryLabel(r));
    return new SecretBuilder()
        .withMetadata(new ObjectMeta())
        .editMetadata().withName(pullSecretName(r)).withNamespace(namespace).withLabels(labels)
        .endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .withData(Map.of(".dockerconfigjson", b64(dockerConfigJson(r, password))))
        .build();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
