package dev.portcullis.operator.model;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.NotificationEndpointSpec;
import dev.portcullis.operator.api.NotificationsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code spec.notifications} as the registry needs it: its {@code notifications} section, and the
 * endpoints' Secrets mounted as files that the section names (a header value, a signing key or a
 * private key is never in the ConfigMap or the environment).
 */
public final class NotificationsModel {

  /**
   * One folder per endpoint, by its place in the list: {@code header-N} (headersFrom[N]),
   * {@code signing-secret}, {@code ca.crt}, {@code tls.crt}, {@code tls.key}.
   */
  public static final String DIR = "/etc/portcullis/notifications";
  static final String SIGNING_FILE = "signing-secret";
  static final String CA_FILE = "ca.crt";
  static final String CERTIFICATE_FILE = "tls.crt";
  static final String KEY_FILE = "tls.key";

  /** The registry's health check of an endpoint, as it names it on /readyz. */
  public static final String CHECK_PREFIX = "notifications_";

  private NotificationsModel() {}

  private static List<NotificationEndpointSpec> endpoints(SecureRegistry r) {
    NotificationsSpec n = r.getSpec().notifications;
    return n == null ? List.of() : n.effectiveEndpoints();
  }

  /** The registry's {@code notifications} section, or empty without {@code spec.notifications}. */
  public static Optional<Map<String, Object>> configSection(SecureRegistry r) {
    NotificationsSpec n = r.getSpec().notifications;
    if (n == null || n.effectiveEndpoints().isEmpty()) {
      return Optional.empty();
    }
    var list = new ArrayList<Map<String, Object>>();
    var endpoints = n.effectiveEndpoints();
    for (int i = 0; i < endpoints.size(); i++) {
      NotificationEndpointSpec e = endpoints.get(i);
      var entry = new LinkedHashMap<String, Object>();
      entry.put("name", e.name);
      entry.put("url", e.url);
      if (!e.effectiveHeaders().isEmpty()) {
        var headers = new LinkedHashMap<String, Object>();
        e.effectiveHeaders().forEach(h -> headers.put(h.name, List.of(h.value)));
        entry.put("headers", headers);
      }
      if (!e.effectiveHeadersFrom().isEmpty()) {
        var files = new LinkedHashMap<String, Object>();
        var from = e.effectiveHeadersFrom();
        for (int h = 0; h < from.size(); h++) {
          files.put(from.get(h).name, dir(i) + "/" + headerFile(h));
        }
        entry.put("headerfiles", files);
      }
      if (e.timeout != null) {
        entry.put("timeout", e.timeout);
      }
      if (e.threshold != null) {
        entry.put("threshold", e.threshold);
      }
      if (e.backoff != null) {
        entry.put("backoff", e.backoff);
      }
      if (e.ignore != null) {
        var ignore = new LinkedHashMap<String, Object>();
        ignore.put("mediatypes", e.ignore.mediaTypes == null ? List.of() : e.ignore.mediaTypes);
        ignore.put("actions", e.ignore.actions == null ? List.of()
            : e.ignore.actions.stream().map(Enum::name).toList());
        entry.put("ignore", ignore);
      }
      entry.put("disabled", e.effectiveDisabled());
      if (e.backlog != null) {
        entry.put("backlog", e.backlog);
      }
      if (e.format != null) {
        entry.put("format", e.format.name());
      }
      if (e.signingSecretRef != null) {
        entry.put("signingsecretfile", dir(i) + "/" + SIGNING_FILE);
      }
      if (e.caSecretRef != null || e.clientCertificateSecretRef != null) {
        var tls = new LinkedHashMap<String, Object>();
        if (e.caSecretRef != null) {
          tls.put("ca", dir(i) + "/" + CA_FILE);
        }
        if (e.clientCertificateSecretRef != null) {
          tls.put("certificate", dir(i) + "/" + CERTIFICATE_FILE);
          tls.put("key", dir(i) + "/" + KEY_FILE);
        }
        entry.put("tls", tls);
      }
      list.add(entry);
    }
    var section = new LinkedHashMap<String, Object>();
    section.put("events", Map.of("includereferences", n.effectiveIncludeReferences()));
    section.put("endpoints", list);
    return Optional.of(section);
  }

  /**
   * One folder per endpoint, by its place in the list: each Secret key a projection of its own.
   * The registry reads them at start, so they are in its {@link MountedSecretsFingerprint}.
   */
  static List<SecretFileVolume> folders(SecureRegistry r) {
    var folders = new ArrayList<SecretFileVolume>();
    var endpoints = endpoints(r);
    for (int i = 0; i < endpoints.size(); i++) {
      var folder = new SecretFileVolume(volumeName(i), dir(i));
      files(endpoints.get(i)).forEach(folder::secret);
      folders.add(folder);
    }
    return folders;
  }

  /** One projected volume per endpoint that reads a Secret, in the endpoints' order. */
  public static List<Volume> volumes(SecureRegistry r) {
    return SecretFileVolume.volumes(folders(r));
  }

  public static List<VolumeMount> mounts(SecureRegistry r) {
    return SecretFileVolume.mounts(folders(r));
  }

  /** The Secrets the endpoints read, so that a change to one reconciles the registry. */
  public static Set<String> secretNames(SecureRegistry r) {
    return SecretFileVolume.secretNames(folders(r));
  }

  private static final java.util.regex.Pattern URL = java.util.regex.Pattern.compile(
      "https?://[^\\s\"\\\\]+");

  /**
   * The schema's rules for {@code spec.notifications}, checked again by the operator (an API
   * server that did not validate, an object stored before a rule existed): a registry would
   * otherwise refuse its config and restart in a loop.
   */
  public static List<Problem> specProblems(SecureRegistry r) {
    var problems = new ArrayList<Problem>();
    NotificationsSpec n = r.getSpec().notifications;
    if (n == null) {
      return problems;
    }
    if (n.effectiveEndpoints().isEmpty()) {
      problems.add(invalid("spec.notifications.endpoints needs at least one endpoint"));
    }
    var seen = new java.util.HashSet<String>();
    for (NotificationEndpointSpec e : n.effectiveEndpoints()) {
      String field = "spec.notifications.endpoints[" + e.name + "]";
      if (e.name == null || e.name.isEmpty()) {
        problems.add(invalid("spec.notifications.endpoints[].name is missing"));
      } else if (!seen.add(e.name)) {
        problems.add(invalid(field + " is listed twice"));
      }
      if (e.url == null || !URL.matcher(e.url).matches()) {
        problems.add(invalid(field + ".url '" + e.url + "' is not an https URL such as"
            + " https://hooks.example.com/registry"));
      } else if (!e.url.startsWith("https://")) {
        if (!e.effectiveInsecure()) {
          problems.add(invalid(field + ".url is http: use an https URL, or set insecure: true to"
              + " send events (and header values) unencrypted"));
        }
        if (e.caSecretRef != null || e.clientCertificateSecretRef != null) {
          problems.add(invalid(field + ": caSecretRef and clientCertificateSecretRef need an"
              + " https url"));
        }
      }
      var inline = new java.util.HashSet<String>();
      e.effectiveHeaders().forEach(h -> inline.add(lower(h.name)));
      for (var h : e.effectiveHeadersFrom()) {
        if (inline.contains(lower(h.name))) {
          problems.add(invalid(field + ": header " + h.name
              + " is named in both headers and headersFrom"));
        }
      }
      for (var d : List.of(Map.entry("timeout", String.valueOf(e.timeout)),
          Map.entry("backoff", String.valueOf(e.backoff)))) {
        if (!d.getValue().equals("null")
            && !d.getValue().matches("([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+")) {
          problems.add(invalid(field + "." + d.getKey() + " '" + d.getValue()
              + "' is not a Go duration (e.g. 1s, 500ms)"));
        }
      }
    }
    return problems;
  }

  /** A missing Secret or key, named with the endpoint field that needs it. */
  public static List<Problem> secretProblems(SecureRegistry r, Function<String, Secret> lookup) {
    var problems = new ArrayList<Problem>();
    for (NotificationEndpointSpec e : endpoints(r)) {
      for (SecretFile f : files(e)) {
        String where = " (spec.notifications.endpoints[" + e.name + "]." + f.field() + ")";
        Secret s = lookup.apply(f.secret());
        String value = s == null ? null : SecretInputs.value(s, f.key());
        if (s == null) {
          problems.add(new Problem(ConditionTypes.AVAILABLE, "SecretNotFound",
              "Secret " + f.secret() + " not found" + where));
        } else if (value == null || value.isBlank()) {
          problems.add(new Problem(ConditionTypes.AVAILABLE, "SecretKeyNotFound",
              "Secret " + f.secret() + " has no key " + f.key() + where));
        } else if (f.path().equals(SIGNING_FILE)
            && value.strip().getBytes(StandardCharsets.UTF_8).length < 16) {
          problems.add(new Problem(ConditionTypes.AVAILABLE, "InvalidSecret",
              "Secret " + f.secret() + " key " + f.key() + " holds fewer than 16 bytes: a signing"
                  + " key needs at least 16 (e.g. openssl rand -hex 32)" + where));
        } else if ((f.path().equals(CA_FILE) || f.path().equals(CERTIFICATE_FILE))
            && !value.contains("-----BEGIN CERTIFICATE-----")) {
          problems.add(new Problem(ConditionTypes.AVAILABLE, "InvalidSecret",
              "Secret " + f.secret() + " key " + f.key() + " holds no PEM certificate" + where));
        }
      }
    }
    return problems;
  }

  private static List<SecretFile> files(NotificationEndpointSpec e) {
    var files = new ArrayList<SecretFile>();
    var from = e.effectiveHeadersFrom();
    for (int h = 0; h < from.size(); h++) {
      var ref = from.get(h).secretKeyRef;
      if (ref != null) {
        files.add(new SecretFile(ref.name, ref.key, headerFile(h),
            "headersFrom[" + from.get(h).name + "]"));
      }
    }
    if (e.signingSecretRef != null) {
      files.add(new SecretFile(e.signingSecretRef.name, e.signingSecretRef.key, SIGNING_FILE,
          "signingSecretRef"));
    }
    if (e.caSecretRef != null) {
      files.add(new SecretFile(e.caSecretRef.name, e.caSecretRef.effectiveKey(), CA_FILE,
          "caSecretRef"));
    }
    if (e.clientCertificateSecretRef != null) {
      var ref = e.clientCertificateSecretRef;
      files.add(new SecretFile(ref.name, ref.effectiveCertificateKey(), CERTIFICATE_FILE,
          "clientCertificateSecretRef"));
      files.add(new SecretFile(ref.name, ref.effectiveKeyKey(), KEY_FILE,
          "clientCertificateSecretRef"));
    }
    return files;
  }

  private static Problem invalid(String message) {
    return new Problem(ConditionTypes.AVAILABLE, "InvalidNotifications", message);
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(java.util.Locale.ROOT);
  }

  private static String headerFile(int index) {
    return "header-" + index;
  }

  private static String dir(int index) {
    return DIR + "/" + index;
  }

  private static String volumeName(int index) {
    return "notifications-" + index;
  }
}
