package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.tenancy.RegistryHosts;
import java.util.ArrayList;
import java.util.List;

/**
 * The spec rules the operator enforces itself: the same ones as the CRD's CEL rules (for API
 * servers without CEL, and objects stored before a rule existed) plus what a schema cannot say.
 * A spec with problems is reported and not applied, so what already runs is left alone.
 */
public final class SpecCheck {

  private SpecCheck() {}

  /**
   * Secure by default: the authentication is what the spec says, never an accident. A mode, or
   * the one section given; none at all only as an explicit {@code mode: None} (or with client
   * certificates, which authenticate); never a section the mode ignores.
   */
  static List<Problem> authChoice(AuthSpec auth, TlsSpec.Mode tls) {
    if (auth.mode == null && auth.htpasswd != null && auth.token != null) {
      return List.of(new Problem(ConditionTypes.AUTH_READY, "AmbiguousAuth",
          "auth has both htpasswd and token: set auth.mode to the one to use"));
    }
    if (!auth.specified() && tls != TlsSpec.Mode.MutualTLS) {
      return List.of(new Problem(ConditionTypes.AUTH_READY, "AuthenticationUnspecified",
          "auth needs auth.htpasswd or auth.token, or auth.mode None for a registry anyone who"
              + " reaches it can push to"));
    }
    if (auth.mode != null) {
      String ignored = switch (auth.mode) {
        case Htpasswd -> auth.token != null ? "token" : null;
        case Token -> auth.htpasswd != null ? "htpasswd" : null;
        case None -> auth.htpasswd != null ? "htpasswd" : auth.token != null ? "token" : null;
      };
      if (ignored != null) {
        return List.of(new Problem(ConditionTypes.AUTH_READY, "AmbiguousAuth",
            "auth.mode " + auth.mode + " does not use auth." + ignored + ": remove it, or set"
                + " auth.mode to match"));
      }
    }
    return List.of();
  }

  public static List<Problem> check(SecureRegistry r) {
    var problems = new ArrayList<Problem>();
    var spec = r.getSpec();
    var storage = spec.storage;
    if (storage != null) {
      int kinds = (storage.persistentVolumeClaim != null ? 1 : 0)
          + (storage.emptyDir != null ? 1 : 0) + (storage.s3 != null ? 1 : 0)
          + (storage.azure != null ? 1 : 0);
      if (kinds != 1) {
        problems.add(new Problem(ConditionTypes.STORAGE_READY, "InvalidStorage",
            "storage needs exactly one of persistentVolumeClaim, emptyDir, s3, azure (found "
                + kinds + ")"));
      }
    }
    int replicas = spec.effectiveReplicas();
    StorageSpec effective = spec.effectiveStorage();
    if (replicas > 1) {
      boolean shared = switch (effective.kind()) {
        case S3, Azure -> true;
        case EmptyDir -> false;
        case PersistentVolumeClaim ->
            effective.persistentVolumeClaim.effectiveAccessModes().contains("ReadWriteMany");
      };
      if (!shared) {
        problems.add(new Problem(ConditionTypes.STORAGE_READY, "ReplicasNeedSharedStorage",
            "replicas: " + replicas + " needs s3 or azure storage or a ReadWriteMany claim"));
      }
    }
    AuthSpec auth = spec.effectiveAuth();
    problems.addAll(authChoice(auth, spec.effectiveTls().effectiveMode()));
    if (auth.effectiveMode() == AuthSpec.Mode.Token) {
      if (auth.managedToken() != null) {
        try {
          var lifetime = GoDuration.parse(auth.managedToken().effectiveTokenLifetime())
              .getDuration();
          if (lifetime.getSeconds() < 60) {
            problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidAuth",
                "auth.token.managed.tokenLifetime must be at least 1m"));
          }
        } catch (IllegalArgumentException e) {
          problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidAuth",
              "auth.token.managed.tokenLifetime is not a Go duration"));
        }
      } else if (auth.token.external == null || auth.token.external.rootCertBundleSecretRef == null
          || auth.token.external.realm == null || auth.token.external.service == null
          || auth.token.external.issuer == null) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidAuth",
            "auth.token.issuer External needs token.external {realm, service, issuer,"
                + " rootCertBundleSecretRef}"));
      }
    }
    if (auth.effectiveMode() == AuthSpec.Mode.Htpasswd) {
      var h = auth.htpasswd;
      if (h == null || (h.users == null) == (h.existingSecretRef == null)) {
        problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidAuth",
            "auth.mode Htpasswd needs exactly one of auth.htpasswd.users, auth.htpasswd.existingSecretRef"));
      }
    }
    boolean htpasswdUsers = auth.effectiveMode() == AuthSpec.Mode.Htpasswd
        && auth.htpasswd != null && auth.htpasswd.users != null;
    if (spec.pullSecrets != null && !htpasswdUsers && auth.managedToken() == null) {
      problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidPullSecrets",
          "pullSecrets need auth.mode Htpasswd with auth.htpasswd.users, or the managed token"
              + " issuer"));
    }
    if (auth.managedToken() != null && auth.managedToken().users != null && auth.managedToken()
        .users.stream().anyMatch(u -> PullRobot.USERNAME.equals(u.username))) {
      problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidAuth",
          "the user name " + PullRobot.USERNAME + " is reserved for the pull robot"));
    }
    if (auth.htpasswd != null && auth.htpasswd.users != null && auth.htpasswd.users.stream()
        .anyMatch(u -> PullRobot.USERNAME.equals(u.username))) {
      problems.add(new Problem(ConditionTypes.AUTH_READY, "InvalidAuth",
          "the user name " + PullRobot.USERNAME + " is reserved for the pull robot"));
    }
    problems.addAll(hostProblems(r));
    problems.addAll(ProxyModel.specProblems(r));
    problems.addAll(NotificationsModel.specProblems(r));
    var tlsMode = spec.effectiveTls().effectiveMode();
    if (spec.effectiveNodeTrust().effectiveEnabled() && tlsMode == TlsSpec.Mode.Disabled) {
      problems.add(new Problem(ConditionTypes.CERTIFICATES_READY, "InvalidNodeTrust",
          "nodeTrust needs TLS: nodes trust a CA"));
    }
    if (spec.effectiveTls().clientCaSecretRef != null && tlsMode != TlsSpec.Mode.MutualTLS) {
      problems.add(new Problem(ConditionTypes.CERTIFICATES_READY, "InvalidTls",
          "tls.clientCaSecretRef needs tls.mode MutualTLS"));
    }
    if (spec.garbageCollection != null && effective.kind() == StorageSpec.Kind.EmptyDir) {
      problems.add(new Problem(ConditionTypes.STORAGE_READY, "InvalidGarbageCollection",
          "garbageCollection cannot reach an emptyDir: use a claim or s3"));
    }
    if (spec.garbageCollection != null && !cronSchedule(spec.garbageCollection.schedule)) {
      problems.add(new Problem(ConditionTypes.STORAGE_READY, "InvalidGarbageCollection",
          "garbageCollection.schedule '" + spec.garbageCollection.schedule + "' is not a cron"
              + " schedule: five fields (minute hour day-of-month month day-of-week, e.g."
              + " '0 3 * * 0') or one of " + String.join(", ", CRON_DESCRIPTORS)));
    }
    if (spec.garbageCollection != null && !gcTimeout(spec.garbageCollection.effectiveTimeout())) {
      problems.add(new Problem(ConditionTypes.STORAGE_READY, "InvalidGarbageCollection",
          "garbageCollection.timeout '" + spec.garbageCollection.timeout + "' is not a Go"
              + " duration in whole units of at least 1s (e.g. 6h, 1h30m, 90s)"));
    }
    // the scheduler lets no second pod use a ReadWriteOncePod claim: the Job's pod would stay
    // Pending beside the running registry, and with concurrencyPolicy Forbid no run would follow
    if (spec.garbageCollection != null
        && effective.kind() == StorageSpec.Kind.PersistentVolumeClaim
        && effective.persistentVolumeClaim.effectiveAccessModes().contains("ReadWriteOncePod")) {
      problems.add(new Problem(ConditionTypes.STORAGE_READY, "InvalidGarbageCollection",
          "garbageCollection cannot share a ReadWriteOncePod claim with the registry: use"
              + " ReadWriteOnce or ReadWriteMany, or leave garbageCollection out"));
    }
    if (spec.service != null && spec.service.nodePort != null
        && spec.service.effectiveType() == dev.portcullis.operator.api.ServiceSpec.Type.ClusterIP) {
      problems.add(new Problem(ConditionTypes.AVAILABLE, "InvalidService",
          "service.nodePort needs service.type NodePort or LoadBalancer"));
    }
    return problems;
  }

  private static final List<String> CRON_DESCRIPTORS = List.of("@yearly", "@annually",
      "@monthly", "@weekly", "@daily", "@midnight", "@hourly");
  private static final java.util.regex.Pattern CRON_FIELD =
      java.util.regex.Pattern.compile("[0-9A-Za-z*?,/-]+");

  /**
   * The shape the API server's CronJob validation takes (five fields or a descriptor), checked
   * here so that a typo is a condition naming the field rather than the CronJob's rejection,
   * retried without end; the ranges of the fields are still the API server's to check.
   */
  static boolean cronSchedule(String schedule) {
    if (schedule == null) {
      return false;
    }
    String s = schedule.trim();
    if (s.startsWith("@")) {
      return CRON_DESCRIPTORS.contains(s) || s.matches("@every [0-9][0-9a-z.]*");
    }
    String[] fields = s.split("\\s+");
    return fields.length == 5
        && java.util.Arrays.stream(fields).allMatch(f -> CRON_FIELD.matcher(f).matches());
  }

  /** The CRD's rule for garbageCollection.timeout: a Go duration the Job's deadline can hold. */
  static boolean gcTimeout(String timeout) {
    if (!timeout.matches(dev.portcullis.operator.api.GarbageCollectionSpec.TIMEOUT)) {
      return false;
    }
    try {
      return GoDuration.parse(timeout).getDuration().compareTo(java.time.Duration.ofSeconds(1))
          >= 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The CRD's rules for {@code spec.host}, and the names the operator adds itself (localhost, the
   * cluster's Service names), which a registry must not claim for another's.
   */
  public static List<Problem> hostProblems(SecureRegistry r) {
    var problems = new ArrayList<Problem>();
    List<String> hosts = r.getSpec().effectiveHosts();
    if (hosts.size() > RegistryHosts.MAX_HOSTS) {
      problems.add(new Problem(ConditionTypes.CERTIFICATES_READY, "InvalidHost",
          "spec.host lists " + hosts.size() + " names; at most " + RegistryHosts.MAX_HOSTS));
    }
    for (String h : hosts) {
      RegistryHosts.problem(h).ifPresent(message ->
          problems.add(new Problem(ConditionTypes.CERTIFICATES_READY, "InvalidHost", message)));
    }
    return problems;
  }
}
