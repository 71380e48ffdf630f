package dev.portcullis.operator.status;


import static dev.portcullis.operator.api.ConditionTypes.AUTH_READY;
import static dev.portcullis.operator.api.ConditionTypes.AVAILABLE;
import static dev.portcullis.operator.api.ConditionTypes.CERTIFICATES_READY;
import static dev.portcullis.operator.api.ConditionTypes.READY;
import static dev.portcullis.operator.api.ConditionTypes.STORAGE_READY;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Problem;
import dev.portcullis.operator.model.ServiceModel;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Turns spec problems and observed objects into the status: one condition per concern, each with
 * a reason and a message a person can act on. Transition times are carried over from the previous
 * status when nothing changed, so an unchanged registry produces an equal status and no write.
 */
public final class StatusAggregator {

  private StatusAggregator() {}

  public static SecureRegistryStatus aggregate(
      SecureRegistry r, Observed o, List<Problem> problems, Instant now) {
    return aggregate(r, o, problems, now, null);
  }

  /** With the last health probe, or null when none ran (no Healthy condition then). */
  public static SecureRegistryStatus aggregate(
      SecureRegistry r, Observed o, List<Problem> problems, Instant now,
      dev.portcullis.operator.api.HealthStatus health) {
    return aggregate(r, o, problems, now, health, null);
  }

  /**
   * With the namespaces listed in pullSecrets.namespaces that do not exist, or null when pull
   * secrets were not published this time (no PullSecretsPublished condition then).
   */
  public static SecureRegistryStatus aggregate(
      SecureRegistry r, Observed o, List<Problem> problems, Instant now,
      dev.portcullis.operator.api.HealthStatus health, List<String> missingPullSecretNamespaces) {
    var previous = r.getStatus();
    long generation = r.getMetadata().getGeneration() == null ? 0L : r.getMetadata().getGeneration();
    var conditions = new ArrayList<Condition>();
    conditions.add(certificates(r, o, problems));
    conditions.add(auth(r, o, problems));
    conditions.add(storage(r, o, problems));
    conditions.add(available(r, o, problems));
    if (health != null) {
      conditions.add(health.healthy()
          ? condition(ConditionTypes.HEALTHY, true, "ProbeSucceeded",
              "/readyz ok in " + health.latencyMillis + "ms")
          : condition(ConditionTypes.HEALTHY, false, "ProbeFailed", "/readyz " + health.status
              + (health.message == null ? "" : ": " + health.message) + failing(health)));
    }
    conditions.add(ready(r, o, problems, conditions));
    // after Ready on purpose: a warning about what was asked for, Ready does not wait for it
    conditions.add(insecure(r));
    if (missingPullSecretNamespaces != null) {
      // after Ready on purpose: the registry serves; a namespace yet to be made is not its fault
      conditions.add(missingPullSecretNamespaces.isEmpty()
          ? condition(ConditionTypes.PULL_SECRETS_PUBLISHED, true, "Published",
              "a pull secret in every selected namespace")
          : condition(ConditionTypes.PULL_SECRETS_PUBLISHED, false, "NamespaceNotFound",
              "pullSecrets.namespaces lists namespaces that do not exist: "
                  + String.join(", ", missingPullSecretNamespaces)
                  + " (the pull secret is created there within a minute of their creation)"));
    }
    String renewal = null;
    String notAfter = null;
    if (o.serverCertificate() != null && o.serverCertificate().getStatus() != null) {
      notAfter = o.serverCertificate().getStatus().getNotAfter();
      renewal = o.serverCertificate().getStatus().getRenewalTime();
    }
    if (renewal != null) {
      boolean overdue = false;
      try {
        // cert-manager renews at renewalTime; an hour later it has failed to
        overdue = Instant.parse(renewal).plusSeconds(3600).isBefore(now);
      } catch (RuntimeException unparsable) {
        // leave it
      }
      // after Ready on purpose: a warning, Ready does not wait for it
      conditions.add(condition(ConditionTypes.CERTIFICATE_RENEWAL_OVERDUE, overdue,
          overdue ? "RenewalOverdue" : "RenewalScheduled",
          (overdue ? "cert-manager should have renewed the server certificate at "
              : "cert-manager renews the server certificate at ") + renewal
              + (notAfter == null ? "" : "; it expires at " + notAfter)));
    }

    var status = new SecureRegistryStatus();
    status.observedGeneration = generation;
    status.endpoint = ServiceModel.endpoint(r);
    status.readyReplicas = readyReplicas(o);
    status.health = health;
    status.certificateNotAfter = notAfter;
    status.certificateRenewalTime = renewal;
    if (r.getSpec().effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled) {
      status.caSecretName = Names.tlsSecret(r);
      status.caBundle = caBundle(o);
    }
    for (Condition c : conditions) {
      c.setObservedGeneration(generation);
      c.setLastTransitionTime(transitionTime(previous, c, now));
    }
    status.conditions = conditions;
    boolean ready = conditions.stream().filter(c -> READY.equals(c.getType()))
        .anyMatch(c -> "True".equals(c.getStatus()));
    boolean available = "True".equals(conditions.get(3).getStatus());
    // a spec that cannot be applied leaves the running registry alone: Degraded, not Failed
    status.phase = !problems.isEmpty() ? (available ? "Degraded" : "Failed")
        : ready ? "Ready" : "Pending";
    ProgressConditions.apply(r, o, problems, status, now);
    return status;
  }

  private static Condition certificates(SecureRegistry r, Observed o, List<Problem> problems) {
    var p = first(problems, CERTIFICATES_READY);
    if (p != null) {
      return condition(CERTIFICATES_READY, false, p.reason(), p.message());
    }
    if (r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.Disabled) {
      return condition(CERTIFICATES_READY, true, "TLSDisabled",
          "tls.mode is Disabled: the registry serves plain HTTP");
    }
    String name = Names.serverCertificate(r);
    var cert = o.serverCertificate();
    if (cert == null) {
      return condition(CERTIFICATES_READY, false, "CertificatePending",
          "waiting for Certificate " + name + " to be created");
    }
    var ready = cert.getStatus() == null || cert.getStatus().getConditions() == null
        ? null
        : cert.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    if (ready == null) {
      return condition(CERTIFICATES_READY, false, "CertificatePending",
          "waiting for cert-manager to issue Certificate " + name);
    }
    if (!"True".equals(ready.getStatus())) {
      return condition(CERTIFICATES_READY, false, "CertificateNotReady",
          "Certificate " + name + " is not ready: " + ready.getReason() + ": " + ready.getMessage());
    }
    if (o.tlsSecret() == null) {
      return condition(CERTIFICATES_READY, false, "SecretPending",
          "Certificate " + name + " is ready but Secret " + Names.tlsSecret(r) + " is not there yet");
    }
    return condition(CERTIFICATES_READY, true, "CertificateReady",
        "Certificate " + name + " is issued (Secret " + Names.tlsSecret(r) + ")");
  }

  private static Condition auth(SecureRegistry r, Observed o, List<Problem> problems) {
    var p = first(problems, AUTH_READY);
    if (p != null) {
      return condition(AUTH_READY, false, p.reason(), p.message());
    }
    AuthSpec auth = r.getSpec().effectiveAuth();
    if (auth.effectiveMode() == AuthSpec.Mode.None) {
      if (r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS) {
        return condition(AUTH_READY, true, "ClientCertificates",
            "clients authenticate with certificates of the registry's CA (tls.mode MutualTLS)");
      }
      return condition(AUTH_READY, true, "NoAuthentication",
          "auth.mode is None: whoever reaches the registry can push and pull");
    }
    if (auth.externalToken() != null) {
      return condition(AUTH_READY, true, "ExternalIssuer", "tokens from "
          + auth.externalToken().issuer + " (realm " + auth.externalToken().realm + ")");
    }
    if (auth.managedToken() != null) {
      if (o.htpasswdSecret() == null) {
        return condition(AUTH_READY, false, "TokenIssuerPending",
            "waiting for Secret " + Names.htpasswdSecret(r) + " (the token issuer's users)");
      }
      return condition(AUTH_READY, true, "TokenIssuerConfigured", "tokens from "
          + Names.authServer(r) + " (realm " + dev.portcullis.operator.model.TokenIssuerModel
              .realm(r) + ")");
    }
    if (auth.htpasswd == null) {
      return condition(AUTH_READY, false, "InvalidAuth", "auth.htpasswd is missing");
    }
    if (auth.htpasswd.existingSecretRef != null) {
      return condition(AUTH_READY, true, "ExistingSecret",
          "htpasswd file from Secret " + auth.htpasswd.existingSecretRef.name);
    }
    if (o.htpasswdSecret() == null) {
      return condition(AUTH_READY, false, "HtpasswdPending",
          "waiting for Secret " + Names.htpasswdSecret(r));
    }
    int users = auth.htpasswd.users == null ? 0 : auth.htpasswd.users.size();
    return condition(AUTH_READY, true, "HtpasswdReady",
        users + (users == 1 ? " user" : " users") + " in Secret " + Names.htpasswdSecret(r));
  }

  /** The Insecure warning: what the spec leaves open, and what to change about it. */
  private static Condition insecure(SecureRegistry r) {
    var tls = r.getSpec().effectiveTls().effectiveMode();
    boolean open = r.getSpec().effectiveAuth().effectiveMode() == AuthSpec.Mode.None
        && tls != TlsSpec.Mode.MutualTLS;
    boolean plain = tls == TlsSpec.Mode.Disabled;
    String noAuth = "auth.mode is None: anyone who reaches the registry can push, pull and"
        + " delete; give auth.htpasswd or auth.token to require a login";
    String noTls = "tls.mode is Disabled: passwords, tokens and images cross the network in plain"
        + " text; leave tls.mode out (TLS is the default) once cert-manager is installed";
    if (open && plain) {
      return condition(ConditionTypes.INSECURE, true, "NoAuthenticationNoTLS",
          noAuth + ". " + noTls);
    }
    if (open) {
      return condition(ConditionTypes.INSECURE, true, "NoAuthentication", noAuth);
    }
    if (plain) {
      return condition(ConditionTypes.INSECURE, true, "TLSDisabled", noTls);
    }
    return condition(ConditionTypes.INSECURE, false, "Secured",
        "clients authenticate and traffic is encrypted");
  }

  private static Condition storage(SecureRegistry r, Observed o, List<Problem> problems) {
    var p = first(problems, STORAGE_READY);
    if (p != null) {
      return condition(STORAGE_READY, false, p.reason(), p.message());
    }
    StorageSpec s = r.getSpec().effectiveStorage();
    return switch (s.kind()) {
      case EmptyDir -> condition(STORAGE_READY, true, "EmptyDir",
          "emptyDir storage: images are lost when a pod is deleted");
      case S3 -> condition(STORAGE_READY, true, "S3",
          "s3 bucket " + s.s3.bucket + " in region " + s.s3.region);
      case Azure -> condition(STORAGE_READY, true, "Azure",
          "azure storage account " + s.azure.accountName + ", container " + s.azure.container);
      case PersistentVolumeClaim -> {
        var claim = o.claim();
        String name = Names.pvc(r);
        if (claim == null) {
          yield condition(STORAGE_READY, false, "ClaimPending",
              "waiting for PersistentVolumeClaim " + name);
        }
        String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
        if ("Lost".equals(phase)) {
          yield condition(STORAGE_READY, false, "ClaimLost",
              "PersistentVolumeClaim " + name + " lost its volume");
        }
        yield condition(STORAGE_READY, true, "ClaimCreated",
            "PersistentVolumeClaim " + name + (phase == null ? "" : " is " + phase));
      }
    };
  }

  private static Condition available(SecureRegistry r, Observed o, List<Problem> problems) {
    var p = first(problems, AVAILABLE);
    if (p != null) {
      return condition(AVAILABLE, false, p.reason(), p.message());
    }
    int wanted = r.getSpec().effectiveReplicas();
    if (o.deployment() == null) {
      return condition(AVAILABLE, false, "DeploymentPending",
          "waiting for Deployment " + Names.deployment(r));
    }
    if (wanted == 0) {
      return condition(AVAILABLE, false, "ScaledToZero", "replicas is 0");
    }
    int ready = readyReplicas(o);
    var st = o.deployment().getStatus();
    int available = st == null || st.getAvailableReplicas() == null ? 0 : st.getAvailableReplicas();
    if (available > 0) {
      return condition(AVAILABLE, true, "MinimumReplicasAvailable",
          ready + "/" + wanted + " replicas ready");
    }
    var trouble = o.registryPodTrouble();
    return condition(AVAILABLE, false, "NoReplicasAvailable", ready + "/" + wanted
        + " replicas ready: " + trouble.map(PodTroubles.Trouble::message)
            .orElse("see kubectl describe pods -l " + Names.INSTANCE_LABEL + "="
                + r.getMetadata().getName()));
  }

  private static Condition ready(SecureRegistry r, Observed o, List<Problem> problems,
      List<Condition> others) {
    if (!o.errors().isEmpty()) {
      return condition(READY, false, "ReconcileError", String.join("; ", o.errors()));
    }
    // a pod that cannot start says more than "0/1 replicas ready"; a spec problem, which the
    // person must fix first and which may be its cause, still comes before it
    var trouble = o.podTrouble();
    if (problems.isEmpty() && trouble.isPresent()) {
      return condition(READY, false, trouble.get().reason(), trouble.get().message());
    }
    for (Condition c : others) {
      if (!"True".equals(c.getStatus())) {
        return condition(READY, false, c.getType() + "False", c.getMessage());
      }
    }
    int wanted = r.getSpec().effectiveReplicas();
    if (readyReplicas(o) < wanted) {
      return condition(READY, false, "RolloutInProgress",
          readyReplicas(o) + "/" + wanted + " replicas ready");
    }
    return condition(READY, true, "Ready", "serving at " + ServiceModel.endpoint(r));
  }

  private static String failing(dev.portcullis.operator.api.HealthStatus h) {
    if (h.checks == null) {
      return "";
    }
    var bad = h.checks.stream().filter(c -> !"ok".equals(c.status))
        .map(c -> c.name + (c.message == null ? "" : " (" + c.message + ")")).toList();
    return bad.isEmpty() ? "" : "; failing: " + String.join(", ", bad);
  }

  private static int readyReplicas(Observed o) {
    if (o.deployment() == null || o.deployment().getStatus() == null) {
      return 0;
    }
    Integer ready = o.deployment().getStatus().getReadyReplicas();
    return ready == null ? 0 : ready;
  }

  private static String caBundle(Observed o) {
    if (o.tlsSecret() == null || o.tlsSecret().getData() == null) {
      return null;
    }
    String ca = o.tlsSecret().getData().get("ca.crt");
    return ca == null || ca.isEmpty()
        ? null
        : new String(Base64.getDecoder().decode(ca), StandardCharsets.UTF_8);
  }

  private static Problem first(List<Problem> problems, String type) {
    return problems.stream().filter(p -> type.equals(p.conditionType())).findFirst().orElse(null);
  }

  private static Condition condition(String type, boolean status, String reason, String message) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  static String transitionTime(SecureRegistryStatus previous, Condition c, Instant now) {
    if (previous != null) {
      var old = previous.condition(c.getType()).orElse(null);
      if (old != null && Objects.equals(old.getStatus(), c.getStatus())
          && old.getLastTransitionTime() != null) {
        return old.getLastTransitionTime();
      }
    }
    return now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }
}
