package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.ProxySpec;
import dev.portcullis.operator.api.ProxyUpstreamSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code spec.proxy} as the registry and the nodes need it: the registry's {@code proxy.upstreams}
 * section, the upstreams' Secrets mounted as files (the config names the files, never a
 * password), the anonymous-pull rule for cached names, and the mirrors the node agent writes.
 */
public final class ProxyModel {

  /**
   * One folder per upstream, by its place in the list (a name may carry a :port, which a mount
   * path may not): {@code username}, {@code password}, {@code ca.crt}.
   */
  public static final String DIR = "/etc/portcullis/proxy";
  static final String USERNAME_FILE = "username";
  static final String PASSWORD_FILE = "password";
  static final String CA_FILE = "ca.crt";

  private ProxyModel() {}

  /** An upstream as a node mirrors it: its name and where to fall back to. */
  public record Mirror(String name, String server) {}

  private static List<ProxyUpstreamSpec> upstreams(SecureRegistry r) {
    ProxySpec proxy = r.getSpec().proxy;
    return proxy == null ? List.of() : proxy.effectiveUpstreams();
  }

  /** The registry's {@code proxy} section, or empty without {@code spec.proxy}. */
  public static Optional<Map<String, Object>> configSection(SecureRegistry r) {
    var upstreams = upstreams(r);
    if (upstreams.isEmpty()) {
      return Optional.empty();
    }
    var list = new ArrayList<Map<String, Object>>();
    for (int i = 0; i < upstreams.size(); i++) {
      ProxyUpstreamSpec u = upstreams.get(i);
      var entry = new LinkedHashMap<String, Object>();
      entry.put("name", u.name);
      entry.put("remoteurl", stripSlash(u.url));
      if (u.credentialsSecretRef != null) {
        entry.put("usernamefile", dir(i) + "/" + USERNAME_FILE);
        entry.put("passwordfile", dir(i) + "/" + PASSWORD_FILE);
      }
      entry.put("ttl", u.effectiveTtl());
      entry.put("tagttl", u.effectiveTagTtl());
      if (u.caSecretRef != null) {
        entry.put("cafile", dir(i) + "/" + CA_FILE);
      }
      list.add(entry);
    }
    var section = new LinkedHashMap<String, Object>();
    section.put("upstreams", list);
    return Optional.of(section);
  }

  /**
   * {@code auth.anonymous} when {@code proxy.anonymousPull} is on and the registry has an auth
   * scheme to keep everything else behind: pull of the cached names only.
   */
  public static Optional<Map<String, Object>> anonymousPull(SecureRegistry r) {
    ProxySpec proxy = r.getSpec().proxy;
    if (proxy == null || !proxy.effectiveAnonymousPull() || !hasAuthScheme(r)) {
      return Optional.empty();
    }
    var section = new LinkedHashMap<String, Object>();
    section.put("pull", true);
    section.put("repositories", upstreams(r).stream().map(u -> u.name + "/**").toList());
    return Optional.of(section);
  }

  private static boolean hasAuthScheme(SecureRegistry r) {
    AuthSpec auth = r.getSpec().effectiveAuth();
    return auth.effectiveMode() == AuthSpec.Mode.Htpasswd || auth.managedToken() != null
        || auth.externalToken() != null;
  }

  /**
   * The upstreams nodes pull through this registry. containerd sends a mirror no credentials of
   * its own (kubelet's pull secrets are for the image's registry, docker.io, not the mirror), so
   * nodes can pull from the cache only with the nodes' client certificate on a registry where it
   * authenticates (MutualTLS without another auth scheme), or where anonymous pull of the cached
   * names is on. Otherwise the nodes are not pointed at a cache that would refuse them.
   */
  public static List<Mirror> nodeMirrors(SecureRegistry r) {
    ProxySpec proxy = r.getSpec().proxy;
    if (proxy == null) {
      return List.of();
    }
    boolean certificateSuffices = r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS
        && !hasAuthScheme(r);
    boolean open = r.getSpec().effectiveAuth().effectiveMode() == AuthSpec.Mode.None
        && !hasAuthScheme(r);
    if (!(certificateSuffices || open || (proxy.effectiveAnonymousPull() && hasAuthScheme(r)))) {
      return List.of();
    }
    return upstreams(r).stream().map(u -> new Mirror(u.name, stripSlash(u.url))).toList();
  }

  /**
   * One folder per upstream, by its place in the list: the credentials (user name and password
   * as one projection of their Secret) and the CA bundle. The registry reads them at start, so
   * they are in its {@link MountedSecretsFingerprint}.
   */
  static List<SecretFileVolume> folders(SecureRegistry r) {
    var folders = new ArrayList<SecretFileVolume>();
    var upstreams = upstreams(r);
    for (int i = 0; i < upstreams.size(); i++) {
      ProxyUpstreamSpec u = upstreams.get(i);
      var folder = new SecretFileVolume(volumeName(i), dir(i));
      if (u.credentialsSecretRef != null) {
        var ref = u.credentialsSecretRef;
        folder.secret(
            new SecretFile(ref.name, ref.effectiveUsernameKey(), USERNAME_FILE, "credentialsSecretRef"),
            new SecretFile(ref.name, ref.effectivePasswordKey(), PASSWORD_FILE, "credentialsSecretRef"));
      }
      if (u.caSecretRef != null) {
        folder.secret(new SecretFile(u.caSecretRef.name, u.caSecretRef.effectiveKey(), CA_FILE,
            "caSecretRef"));
      }
      folders.add(folder);
    }
    return folders;
  }

  /** One projected volume per upstream that has a Secret, in the upstreams' order. */
  public static List<Volume> volumes(SecureRegistry r) {
    return SecretFileVolume.volumes(folders(r));
  }

  public static List<VolumeMount> mounts(SecureRegistry r) {
    return SecretFileVolume.mounts(folders(r));
  }

  /** The sizeLimit of the registry's /tmp, where the cache stages blobs in transit; or null. */
  public static Quantity tempSizeLimit(SecureRegistry r) {
    ProxySpec proxy = r.getSpec().proxy;
    return proxy == null || proxy.tempSizeLimit == null ? null : new Quantity(proxy.tempSizeLimit);
  }

  /** The Secrets the upstreams read, so that a change to one reconciles the registry. */
  public static Set<String> secretNames(SecureRegistry r) {
    return SecretFileVolume.secretNames(folders(r));
  }

  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?");
  private static final java.util.regex.Pattern URL = java.util.regex.Pattern.compile(
      "https://[^/\"\\\\\\s]+/?");

  /**
   * The schema's rules for {@code spec.proxy}, checked again by the operator (an API server that
   * did not validate, an object stored before a rule existed): a registry would otherwise refuse
   * its config and restart in a loop.
   */
  public static List<Problem> specProblems(SecureRegistry r) {
    var problems = new ArrayList<Problem>();
    ProxySpec proxy = r.getSpec().proxy;
    if (proxy == null) {
      return problems;
    }
    if (proxy.effectiveUpstreams().isEmpty()) {
      problems.add(invalid("spec.proxy.upstreams needs at least one upstream"));
    }
    var seen = new java.util.HashSet<String>();
    for (ProxyUpstreamSpec u : proxy.effectiveUpstreams()) {
      String field = "spec.proxy.upstreams[" + u.name + "]";
      if (u.name == null || !NAME.matcher(u.name).matches()) {
        problems.add(invalid("spec.proxy.upstreams[].name '" + u.name + "' is not a registry host"
            + " name such as docker.io"));
      } else if (!seen.add(u.name)) {
        problems.add(invalid(field + " is listed twice"));
      }
      if (u.url == null || !URL.matcher(u.url).matches()) {
        problems.add(invalid(field + ".url '" + u.url + "' must be an https URL without a path,"
            + " such as https://registry-1.docker.io"));
      }
      for (var ttl : List.of(Map.entry("ttl", u.effectiveTtl()),
          Map.entry("tagTTL", u.effectiveTagTtl()))) {
        if (!ttl.getValue().equals("0") && !ttl.getValue().matches(
            "([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+")) {
          problems.add(invalid(field + "." + ttl.getKey() + " '" + ttl.getValue()
              + "' is not a Go duration (e.g. 168h, 5m)"));
        }
      }
    }
    if (proxy.tempSizeLimit != null) {
      try {
        Quantity.getAmountInBytes(new Quantity(proxy.tempSizeLimit));
      } catch (IllegalArgumentException e) {
        problems.add(invalid("spec.proxy.tempSizeLimit '" + proxy.tempSizeLimit
            + "' is not a quantity such as 4Gi"));
      }
    }
    return problems;
  }

  private static Problem invalid(String message) {
    return new Problem(ConditionTypes.AVAILABLE, "InvalidProxy", message);
  }

  /** A missing Secret or key, named with the upstream that needs it. */
  public static List<Problem> secretProblems(SecureRegistry r, Function<String, Secret> lookup) {
    var problems = new ArrayList<Problem>();
    for (ProxyUpstreamSpec u : upstreams(r)) {
      String field = "spec.proxy.upstreams[" + u.name + "]";
      if (u.credentialsSecretRef != null) {
        var ref = u.credentialsSecretRef;
        Secret s = lookup.apply(ref.name);
        if (s == null) {
          problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
              "Secret " + ref.name + " not found (" + field + ".credentialsSecretRef)"));
        } else {
          for (String key : List.of(ref.effectiveUsernameKey(), ref.effectivePasswordKey())) {
            String value = SecretInputs.value(s, key);
            if (value == null || value.isBlank()) {
              problems.add(new Problem(ConditionTypes.AUTH_READY, "SecretKeyNotFound",
                  "Secret " + ref.name + " has no key " + key + " (" + field
                      + ".credentialsSecretRef)"));
            }
          }
        }
      }
      if (u.caSecretRef != null) {
        var ref = u.caSecretRef;
        Secret s = lookup.apply(ref.name);
        String pem = s == null ? null : SecretInputs.value(s, ref.effectiveKey());
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
          problems.add(new Problem(ConditionTypes.CERTIFICATES_READY,
              s == null ? "SecretNotFound" : "SecretKeyNotFound",
              "Secret " + ref.name + (s == null ? " not found" : " has no PEM certificate under key "
                  + ref.effectiveKey()) + " (" + field + ".caSecretRef)"));
        }
      }
    }
    return problems;
  }

  private static String dir(int index) {
    return DIR + "/" + index;
  }

  private static String volumeName(int index) {
    return "proxy-" + index;
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
