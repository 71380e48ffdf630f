package dev.portcullis.operator.tenancy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the cluster's admin decides for every SecureRegistry, in the operator's own environment
 * (never in a SecureRegistry, whose author is a tenant): which public registry names a registry may
 * claim, and where pull secrets may go. Parsed once at start; a malformed value stops the operator
 * with one line naming the variable.
 */
public record TenancySettings(PublicRegistryHosts publicHosts, PullSecretTargets pullSecretTargets) {

  /** Comma-separated host names or {@code *.suffix} patterns of public registries a registry may claim. */
  public static final String ALLOWED_PUBLIC_HOSTS_ENV = "PORTCULLIS_NODE_TRUST_ALLOWED_PUBLIC_HOSTS";
  /** Comma-separated namespaces every registry may put pull secrets in, or {@code *} for any. */
  public static final String PULL_SECRETS_NAMESPACES_ENV = "PORTCULLIS_PULL_SECRETS_ALLOWED_NAMESPACES";
  /** Comma-separated {@code key=value} labels: namespaces carrying all of them accept pull secrets. */
  public static final String PULL_SECRETS_NAMESPACE_LABELS_ENV =
      "PORTCULLIS_PULL_SECRETS_ALLOWED_NAMESPACE_LABELS";

  private static final Pattern HOST_NAME = Pattern.compile(
      "(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern LABEL_KEY = Pattern.compile(
      "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
          + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile(
      "([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  /** Nothing opened: no public registry names, pull secrets in the registry's own namespace only. */
  public static TenancySettings defaults() {
    return new TenancySettings(PublicRegistryHosts.noneAllowed(),
        PullSecretTargets.ownNamespaceOnly());
  }

  public static TenancySettings fromEnvironment() {
    return from(System.getenv());
  }

  /** @throws IllegalArgumentException naming the variable and the value it cannot use */
  public static TenancySettings from(Map<String, String> env) {
    var hosts = new LinkedHashSet<String>();
    for (String h : items(env, ALLOWED_PUBLIC_HOSTS_ENV)) {
      if (!HOST_NAME.matcher(h).matches()) {
        throw new IllegalArgumentException(ALLOWED_PUBLIC_HOSTS_ENV + ": '" + h
            + "' is not a lower-case host name (no port) or *.suffix");
      }
      hosts.add(h);
    }
    boolean any = false;
    var namespaces = new LinkedHashSet<String>();
    for (String n : items(env, PULL_SECRETS_NAMESPACES_ENV)) {
      if (n.equals("*")) {
        any = true;
      } else if (NAMESPACE.matcher(n).matches()) {
        namespaces.add(n);
      } else {
        throw new IllegalArgumentException(PULL_SECRETS_NAMESPACES_ENV + ": '" + n
            + "' is not a namespace name or *");
      }
    }
    var labels = new LinkedHashMap<String, String>();
    for (String pair : items(env, PULL_SECRETS_NAMESPACE_LABELS_ENV)) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq).trim();
      String value = eq < 0 ? null : pair.substring(eq + 1).trim();
      if (value == null || !LABEL_KEY.matcher(key).matches()
          || !LABEL_VALUE.matcher(value).matches()) {
        throw new IllegalArgumentException(PULL_SECRETS_NAMESPACE_LABELS_ENV + ": '" + pair
            + "' is not key=value with a Kubernetes label key and value");
      }
      labels.put(key, value);
    }
    return new TenancySettings(new PublicRegistryHosts(hosts),
        new PullSecretTargets(any, namespaces, labels));
  }

  private static List<String> items(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
