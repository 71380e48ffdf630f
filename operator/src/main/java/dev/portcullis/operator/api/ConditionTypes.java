package dev.portcullis.operator.api;

/** The condition types of a SecureRegistry; Ready is true when all the others are. */
public final class ConditionTypes {
  public static final String READY = "Ready";
  public static final String CERTIFICATES_READY = "CertificatesReady";
  public static final String AUTH_READY = "AuthReady";
  public static final String STORAGE_READY = "StorageReady";
  public static final String AVAILABLE = "Available";
  /** The operator's probe of /readyz over TLS; present once a probe has run. */
  public static final String HEALTHY = "Healthy";
  /** True when cert-manager's renewal time of the server certificate has long passed. */
  public static final String CERTIFICATE_RENEWAL_OVERDUE = "CertificateRenewalOverdue";
  /**
   * True when the spec asks for a registry without authentication or without TLS: a warning
   * that says what to change (Ready does not wait for it, the user asked for it explicitly).
   */
  public static final String INSECURE = "Insecure";
  /** With pullSecrets: True while namespaces they name are refused by the admin's policy. */
  public static final String PULL_SECRET_TARGETS_REFUSED = "PullSecretTargetsRefused";
  /** With pullSecrets: whether every listed namespace has its pull secret (Ready does not wait). */
  public static final String PULL_SECRETS_PUBLISHED = "PullSecretsPublished";
  /**
   * With nodeTrust: True while the node agent's DaemonSet cannot run everywhere (pods refused,
   * e.g. by Pod Security admission, or not ready), with the DaemonSet controller's message.
   */
  public static final String NODE_TRUST_DEGRADED = "NodeTrustDegraded";
  /**
   * With expose: True once the Ingresses or TLSRoutes are written; False when they cannot be
   * (Gateway API not installed, an object of the same name in the way).
   */
  public static final String EXPOSED = "Exposed";

  /**
   * kstatus's Reconciling: True while the latest generation is on its way (the Deployment rolling
   * out, certificates or Secrets pending, a failed step being retried). Never True with Stalled.
   */
  public static final String RECONCILING = "Reconciling";
  /**
   * kstatus's Stalled: True when the registry cannot progress without a person (a spec that cannot
   * be applied, a missing Secret, refused pull-secret targets, a lost volume claim).
   */
  public static final String STALLED = "Stalled";
  /**
   * With monitoring.serviceMonitor.enabled: True when no ServiceMonitor can be made (the
   * Prometheus Operator's CRD is missing). A warning: Ready does not wait for it.
   */
  public static final String MONITORING_UNAVAILABLE = "MonitoringUnavailable";
  /**
   * With notifications: True while the registry reports an endpoint backing off after failed
   * deliveries (its notifications_NAME check), naming it. A warning: Ready does not wait for it,
   * events wait in the durable outbox meanwhile.
   */
  public static final String NOTIFICATIONS_DEGRADED = "NotificationsDegraded";

  private ConditionTypes() {}
}
