package dev.portcullis.operator.reconciler;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.SecureRegistryStatus;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.dependent.BootstrapCaNeeded;
import dev.portcullis.operator.dependent.CaCertificateDependent;
import dev.portcullis.operator.dependent.CaIssuerDependent;
import dev.portcullis.operator.dependent.CertManager;
import dev.portcullis.operator.dependent.CertManagerInstalled;
import dev.portcullis.operator.dependent.ClientCertificatesDependent;
import dev.portcullis.operator.dependent.ConfigMapDependent;
import dev.portcullis.operator.dependent.DeploymentDependent;
import dev.portcullis.operator.dependent.HtpasswdSecretDependent;
import dev.portcullis.operator.dependent.HtpasswdUsersListed;
import dev.portcullis.operator.dependent.PrometheusOperator;
import dev.portcullis.operator.dependent.PvcDependent;
import dev.portcullis.operator.dependent.PvcStorage;
import dev.portcullis.operator.dependent.SelfSignedIssuerDependent;
import dev.portcullis.operator.dependent.ServerCertificateDependent;
import dev.portcullis.operator.dependent.ServiceDependent;
import dev.portcullis.operator.dependent.TlsEnabled;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.health.HttpsHealthProber;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.Problem;
import dev.portcullis.operator.model.SecretInputs;
import dev.portcullis.operator.model.SpecCheck;
import dev.portcullis.operator.status.MonitoringCondition;
import dev.portcullis.operator.status.Observed;
import dev.portcullis.operator.status.ProgressConditions;
import dev.portcullis.operator.status.PullSecretTargetsCondition;
import dev.portcullis.operator.status.StatusAggregator;
import dev.portcullis.operator.tenancy.HostClaims;
import dev.portcullis.operator.tenancy.TenancySettings;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a SecureRegistry. The workflow is invoked explicitly, after the spec and the Secrets
 * it names have been checked: a spec that cannot be applied is reported in the conditions and
 * nothing that already runs is touched. The workflow is flat on purpose: in JOSDK a dependent
 * whose parent's condition fails is deleted, and nothing here should be deleted for that reason
 * (cert-manager orders issuers and certificates by itself).
 */
@Workflow(
    explicitInvocation = true,
    // dependent errors come back in the result: the reconciler puts them in the Ready condition
    handleExceptionsInReconciler = true,
    dependents = {
      @Dependent(name = "config", type = ConfigMapDependent.class),
      @Dependent(
          name = "htpasswd",
          type = HtpasswdSecretDependent.class,
          reconcilePrecondition = HtpasswdUsersListed.class),
      @Dependent(
          name = "selfsigned-issuer",
          type = SelfSignedIssuerDependent.class,
          activationCondition = CertManagerInstalled.class,
          reconcilePrecondition = BootstrapCaNeeded.class),
      @Dependent(
          name = "ca-certificate",
          type = CaCertificateDependent.class,
          activationCondition = CertManagerInstalled.class,
          reconcilePrecondition = BootstrapCaNeeded.class),
      @Dependent(
          name = "ca-issuer",
          type = CaIssuerDependent.class,
          activationCondition = CertManagerInstalled.class,
          reconcilePrecondition = BootstrapCaNeeded.class),
      @Dependent(
          name = "server-certificate",
          type = ServerCertificateDependent.class,
          activationCondition = CertManagerInstalled.class,
          reconcilePrecondition = TlsEnabled.class),
      @Dependent(
          name = "client-certificates",
          type = ClientCertificatesDependent.class,
          activationCondition = CertManagerInstalled.class),
      @Dependent(name = "pvc", type = PvcDependent.class, reconcilePrecondition = PvcStorage.class),
      @Dependent(name = "deployment", type = DeploymentDependent.class),
      @Dependent(name = "service", type = ServiceDependent.class),
      @Dependent(
          name = "token-ca-issuers",
          type = dev.portcullis.operator.dependent.TokenCaIssuersDependent.class,
          activationCondition = CertManagerInstalled.class),
      @Dependent(
          name = "token-certificates",
          type = dev.portcullis.operator.dependent.TokenCertificatesDependent.class,
          activationCondition = CertManagerInstalled.class),
      @Dependent(
          name = "auth-server-config",
          type = dev.portcullis.operator.dependent.AuthServerConfigMapDependent.class,
          reconcilePrecondition = dev.portcullis.operator.dependent.ManagedTokenIssuer.class),
      @Dependent(
          name = "auth-server-deployment",
          type = dev.portcullis.operator.dependent.AuthServerDeploymentDependent.class,
          reconcilePrecondition = dev.portcullis.operator.dependent.ManagedTokenIssuer.class),
      @Dependent(
          name = "auth-server-serviceaccount",
          type = dev.portcullis.operator.dependent.AuthServerServiceAccountDependent.class,
          reconcilePrecondition =
              dev.portcullis.operator.dependent.AuthServerServiceAccountDependent.LoginEnabled.class),
      @Dependent(
          name = "auth-server-service",
          type = dev.portcullis.operator.dependent.AuthServerServiceDependent.class,
          reconcilePrecondition = dev.portcullis.operator.dependent.ManagedTokenIssuer.class),
      @Dependent(
          name = "pdb",
          type = dev.portcullis.operator.dependent.PdbDependent.class,
          reconcilePrecondition = dev.portcullis.operator.dependent.ProductionParts.PdbNeeded.class),
      @Dependent(
          name = "network-policy",
          type = dev.portcullis.operator.dependent.NetworkPolicyDependent.class,
          reconcilePrecondition =
              dev.portcullis.operator.dependent.ProductionParts.NetworkPolicyEnabled.class),
      @Dependent(
          name = "gc-cronjob",
          type = dev.portcullis.operator.dependent.GcCronJobDependent.class,
          reconcilePrecondition =
              dev.portcullis.operator.dependent.ProductionParts.GarbageCollectionScheduled.class),
      @Dependent(
          name = "metrics-service",
          type = dev.portcullis.operator.dependent.MetricsServiceDependent.class,
          reconcilePrecondition = dev.portcullis.operator.dependent.ServiceMonitorWanted.class),
      @Dependent(
          name = "service-monitor",
          type = dev.portcullis.operator.dependent.ServiceMonitorDependent.class,
          activationCondition = dev.portcullis.operator.dependent.PrometheusOperatorInstalled.class,
          reconcilePrecondition = dev.portcullis.operator.dependent.ServiceMonitorWanted.class),
    })
@ControllerConfiguration(name = "secureregistry")
public class SecureRegistryReconciler
    implements Reconciler<SecureRegistry>, Cleaner<SecureRegistry> {

  private static final Logger log = LoggerFactory.getLogger(SecureRegistryReconciler.class);
  /** How soon a registry with a problem is looked at again (a Secret may appear, cert-manager be installed). */
  static final Duration RETRY = Duration.ofSeconds(30);

  private final Clock clock;
  private final NodeTrustPublisher nodeTrust;
  private final PullSecretsPublisher pullSecrets;
  private final HealthProber prober;
  private final TenancySettings tenancy;
  /** {@code false}: no health probe (an operator run outside the cluster cannot resolve Services). */
  public static final String HEALTH_PROBE_ENV = "PORTCULLIS_HEALTH_PROBE";
  /** How often an available registry's /readyz is probed. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(60);
  /** How often a registry with pull secrets is looked at again: label selections and rotation. */
  static final Duration PULL_SECRETS_RESYNC = Duration.ofSeconds(60);
  private final AtomicLong reconciles = new AtomicLong();
  private final dev.portcullis.operator.metrics.RegistryMetrics metrics =
      new dev.portcullis.operator.metrics.RegistryMetrics();

  public SecureRegistryReconciler() {
    this(Clock.systemUTC());
  }

  public SecureRegistryReconciler(Clock clock) {
    this(clock, NodeTrustPublisher.fromEnvironment());
  }

  public SecureRegistryReconciler(Clock clock, NodeTrustPublisher nodeTrust) {
    this(clock, nodeTrust, TenancySettings.fromEnvironment());
  }

  /** As the jar runs: the probe as {@value #HEALTH_PROBE_ENV} says, the admin's tenancy settings. */
  public SecureRegistryReconciler(Clock clock, NodeTrustPublisher nodeTrust,
      TenancySettings tenancy) {
    this(clock, nodeTrust, "false".equalsIgnoreCase(System.getenv(HEALTH_PROBE_ENV))
        ? HealthProber.NONE : new HttpsHealthProber(clock, Duration.ofSeconds(5)), tenancy);
  }

  public SecureRegistryReconciler(Clock clock, NodeTrustPublisher nodeTrust, HealthProber prober) {
    this(clock, nodeTrust, prober, TenancySettings.fromEnvironment());
  }

  public SecureRegistryReconciler(Clock clock, NodeTrustPublisher nodeTrust, HealthProber prober,
      TenancySettings tenancy) {
    this.clock = clock;
    this.prober = prober;
    this.nodeTrust = nodeTrust;
    this.tenancy = tenancy;
    this.pullSecrets = new PullSecretsPublisher(clock, tenancy.pullSecretTargets());
  }

  /**
   * The finalizer's work: what the operator wrote outside the registry's namespace goes (its
   * node-trust entry and the nodes' copy of its client key). Owned objects go with Kubernetes'
   * garbage collector; the claim stays unless retainOnDelete is false; user Secrets are never
   * touched.
   */
  @Override
  public DeleteControl cleanup(SecureRegistry r, Context<SecureRegistry> context) {
    try {
      nodeTrust.publish(context, r);
      pullSecrets.publish(context, r, null);
    } catch (KubernetesClientException e) {
      log.warn("{}/{}: node trust cleanup failed, retrying", r.getMetadata().getNamespace(),
          r.getMetadata().getName(), e);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(RETRY);
    }
    metrics.forget(r);
    return DeleteControl.defaultDelete();
  }

  /** The operator's own per-registry metrics, published with JOSDK's on /metrics. */
  public dev.portcullis.operator.metrics.RegistryMetrics metrics() {
    return metrics;
  }

  /** Completed reconciles, for tests that must know a reconcile has happened. */
  public long reconcileCount() {
    return reconciles.get();
  }

  @Override
  public List<EventSource<?, SecureRegistry>> prepareEventSources(
      EventSourceContext<SecureRegistry> context) {
    return List.of(ReferencedSecrets.eventSource(context),
        ReferencedConfigMaps.eventSource(context), OwnedPods.eventSource(context));
  }

  @Override
  public UpdateControl<SecureRegistry> reconcile(SecureRegistry r, Context<SecureRegistry> context) {
    try {
      return doReconcile(r, context);
    } finally {
      reconciles.incrementAndGet();
    }
  }

  private UpdateControl<SecureRegistry> doReconcile(
      SecureRegistry r, Context<SecureRegistry> context) {
    var problems = new ArrayList<Problem>(SpecCheck.check(r));
    problems.addAll(dev.portcullis.operator.model.ExposeCheck.problems(r));
    problems.addAll(dev.portcullis.operator.model.TokenLoginsModel.problems(r));
    problems.addAll(dev.portcullis.operator.model.CredentialProviderModel.specProblems(r));
    problems.addAll(dev.portcullis.operator.model.CredentialProviderModel.conflicts(r,
        context.getPrimaryCache().list()
            .filter(o -> o.getMetadata().getDeletionTimestamp() == null).toList()));
    problems.addAll(HostClaims.problems(r, context.getPrimaryCache().list().toList(),
        tenancy.publicHosts()));
    var credentials = SecretInputs.credentials(r, n -> ReferencedSecrets.get(context, r, n));
    problems.addAll(credentials.problems());
    problems.addAll(SecretInputs.referenceProblems(r, n -> ReferencedSecrets.get(context, r, n)));
    problems.addAll(dev.portcullis.operator.model.TokenBackendsModel.configMapProblems(r,
        n -> ReferencedConfigMaps.get(context, r, n)));
    dev.portcullis.operator.model.MonitoringModel.problem(r).ifPresent(problems::add);
    boolean fingerprinted = dev.portcullis.operator.model.MountedSecretsFingerprint.needed(r);
    if (fingerprinted) {
      FingerprintKeys.problem(context, r).ifPresent(problems::add);
    }
    boolean tls = r.getSpec().effectiveTls().effectiveMode() != TlsSpec.Mode.Disabled;
    if (tls && !CertManager.installed(context.getClient())) {
      problems.add(new Problem(ConditionTypes.CERTIFICATES_READY, "CertManagerMissing",
          "cert-manager CRDs are not installed (" + CertManager.CERTIFICATES_CRD
              + "): install cert-manager, or set tls.mode: Disabled"));
    }

    var errors = new ArrayList<String>();
    var conflicts = new ArrayList<String>();
    String robotPassword = null;
    PullSecretsPublisher.Outcome pullSecretsOutcome = null;
    if (problems.isEmpty()) {
      var users = new ArrayList<>(credentials.credentials());
      if (r.getSpec().pullSecrets != null) {
        robotPassword = pullSecrets.robotPassword(context, r);
        users.add(new dev.portcullis.operator.model.Htpasswd.Credential(
            dev.portcullis.operator.model.PullRobot.USERNAME, robotPassword));
      }
      var shared = context.managedWorkflowAndDependentResourceContext();
      shared.put(HtpasswdSecretDependent.CREDENTIALS, users);
      // the registry (upstreams, endpoints, storage credentials) and the issuer (backends,
      // programs) read these Secrets and ConfigMaps at start: a change rolls their pods
      if (fingerprinted) {
        byte[] key = FingerprintKeys.key(context, r);
        java.util.function.Function<String, Secret> lookup =
            n -> ReferencedSecrets.get(context, r, n);
        java.util.function.Function<String, ConfigMap> configMaps =
            n -> ReferencedConfigMaps.get(context, r, n);
        String registry = dev.portcullis.operator.model.MountedSecretsFingerprint.of(
            dev.portcullis.operator.model.MountedSecretsFingerprint.keys(r), key, lookup,
            configMaps);
        if (registry != null) {
          shared.put(dev.portcullis.operator.dependent.DeploymentDependent.MOUNTED_SECRETS,
              registry);
        }
        String issuer = dev.portcullis.operator.model.MountedSecretsFingerprint.of(
            dev.portcullis.operator.model.MountedSecretsFingerprint.issuerKeys(r), key, lookup,
            configMaps);
        if (issuer != null) {
          shared.put(dev.portcullis.operator.dependent.AuthServerDeploymentDependent
              .MOUNTED_SECRETS, issuer);
        }
      }
      if (r.getSpec().effectiveAuth().managedToken() != null) {
        // the issuer and the registry read these at start: a change rolls their pods
        Secret signing = ReferencedSecrets.get(context, r, Names.tokenSigning(r));
        String signer = dev.portcullis.operator.model.TokenIssuerModel.signerFingerprint(signing);
        String tokenCa = dev.portcullis.operator.model.TokenSigningCa.trustFingerprint(signing);
        if (signer != null) {
          shared.put(dev.portcullis.operator.dependent.AuthServerDeploymentDependent.SIGNER,
              signer);
        }
        if (tokenCa != null) {
          shared.put(dev.portcullis.operator.dependent.DeploymentDependent.TOKEN_CA, tokenCa);
        }
      }
      var result = shared.reconcileManagedWorkflow();
      result.getErroredDependents().forEach((dependent, e) -> {
        if (Conflicts.isConflict(e)) {
          conflicts.add(dependent.name());
          return;
        }
        log.warn("{}/{}: dependent {} failed", r.getMetadata().getNamespace(),
            r.getMetadata().getName(), dependent.name(), e);
        errors.add(dependent.name() + ": " + describe(e));
      });
    }

    if (problems.isEmpty()) {
      CertificateSecretOwners.adopt(context, r);
    }
    try {
      nodeTrust.publish(context, null);
    } catch (KubernetesClientException e) {
      if (Conflicts.isConflict(e)) {
        conflicts.add("node-trust");
      } else {
        log.warn("node trust: publishing failed", e);
        errors.add("node-trust: " + describe(e));
      }
    }
    // Ingresses / Gateway API routes (issue 18 item 8): once the registry's own objects are applied
    ExposurePublisher.Outcome exposed = null;
    if (problems.isEmpty() && errors.isEmpty()) {
      try {
        exposed = ExposurePublisher.publish(context.getClient(), r, tls ? secretValue(
            ReferencedSecrets.get(context, r, Names.tlsSecret(r)), "ca.crt") : null);
      } catch (KubernetesClientException e) {
        if (Conflicts.isConflict(e)) {
          conflicts.add("expose");
        } else {
          log.warn("{}/{}: exposing failed: {}", r.getMetadata().getNamespace(),
              r.getMetadata().getName(), describe(e));
          exposed = new ExposurePublisher.Outcome(false, "ExposeFailed", describe(e));
        }
      }
    } else if (r.getStatus() != null) {
      exposed = r.getStatus().condition(ConditionTypes.EXPOSED).map(c -> new ExposurePublisher
          .Outcome("True".equals(c.getStatus()), c.getReason(), c.getMessage())).orElse(null);
    }
    // the node agent is shared: every registry using it says whether it runs (issue 18 item 2)
    dev.portcullis.operator.status.NodeAgentState nodeAgent = null;
    if (tls && r.getSpec().effectiveNodeTrust().effectiveEnabled()) {
      try {
        nodeAgent = nodeTrust.agentState(context.getClient());
      } catch (KubernetesClientException e) {
        nodeAgent = new dev.portcullis.operator.status.NodeAgentState(null, "NodeAgentUnreadable",
            "cannot read the node agent's DaemonSet in " + nodeTrust.agentNamespace() + ": "
                + describe(e));
      }
    }
    // only once the htpasswd file knows the robot's password (or with no pullSecrets: removal)
    List<String> missingNamespaces = null;
    if (problems.isEmpty() && errors.isEmpty()) {
      try {
        pullSecretsOutcome = pullSecrets.publish(context, r, robotPassword);
        if (r.getSpec().pullSecrets != null) {
          var outcome = pullSecretsOutcome;
          missingNamespaces = r.getSpec().pullSecrets.effectiveNamespaces().stream()
              .filter(ns -> !outcome.published().contains(ns) && !outcome.refused().containsKey(ns))
              .sorted().toList();
        }
      } catch (KubernetesClientException e) {
        if (Conflicts.isConflict(e)) {
          conflicts.add("pull-secrets");
        } else {
          log.warn("pull secrets: publishing failed", e);
          errors.add("pull-secrets: " + describe(e));
        }
      }
    }

    var observed = new Observed(
        named(context, Deployment.class, Names.deployment(r)),
        tls ? named(context, Certificate.class, Names.serverCertificate(r)) : null,
        tls ? ReferencedSecrets.get(context, r, Names.tlsSecret(r)) : null,
        named(context, PersistentVolumeClaim.class, Names.pvc(r)),
        named(context, Secret.class, Names.htpasswdSecret(r)),
        errors, OwnedPods.of(context, r));
    var health = probe(context, r, observed);
    SecureRegistryStatus status = StatusAggregator.aggregate(r, observed, problems,
        clock.instant(), health, missingNamespaces);
    if (r.getSpec().pullSecrets != null && pullSecretsOutcome != null) {
      PullSecretTargetsCondition.add(status, r.getStatus(), pullSecretsOutcome.published(),
          pullSecretsOutcome.refused(), status.observedGeneration, clock.instant());
    } else if (r.getSpec().pullSecrets != null && r.getStatus() != null) {
      // not published this time (a problem or an error): what was said last still holds
      r.getStatus().condition(ConditionTypes.PULL_SECRET_TARGETS_REFUSED).ifPresent(c -> {
        var conditions = new ArrayList<>(status.conditions);
        conditions.add(c);
        status.conditions = conditions;
      });
    }
    if (exposed != null) {
      dev.portcullis.operator.status.ExposedCondition.add(status, r.getStatus(), exposed.ok(),
          exposed.reason(), exposed.message(), status.observedGeneration, clock.instant());
    }
    if (nodeAgent != null) {
      dev.portcullis.operator.status.NodeTrustCondition.add(status, r.getStatus(), nodeAgent,
          status.observedGeneration, clock.instant());
    }
    dev.portcullis.operator.status.NotificationsCondition.add(status, r, health, clock.instant());
    MonitoringCondition.add(status, r, problems, dev.portcullis.operator.model.MonitoringModel
        .wanted(r) && PrometheusOperator.installed(context.getClient()), clock.instant());
    // the pull-secret outcome can stall the registry: Stalled is decided on the final conditions
    ProgressConditions.apply(r, observed, problems, status, clock.instant());
    metrics.observe(r, status, !errors.isEmpty());
    boolean retry = !problems.isEmpty() || !errors.isEmpty();
    UpdateControl<SecureRegistry> control;
    if (status.equals(r.getStatus())) {
      control = UpdateControl.noUpdate();
    } else {
      if (!problems.isEmpty()) {
        log.info("{}/{}: not applied: {}", r.getMetadata().getNamespace(),
            r.getMetadata().getName(), problems.stream().map(Problem::message).toList());
      }
      r.setStatus(status);
      control = UpdateControl.patchStatus(r);
    }
    if (retry) {
      return control.rescheduleAfter(RETRY);
    }
    if (!conflicts.isEmpty()) {
      log.info("{}/{}: {} changed while being updated (409 Conflict); reconciling again",
          r.getMetadata().getNamespace(), r.getMetadata().getName(), conflicts);
      return control.rescheduleAfter(Conflicts.REQUEUE);
    }
    if ((nodeAgent != null && !Boolean.FALSE.equals(nodeAgent.degraded()))
        || (exposed != null && !exposed.ok())) {
      // nothing tells the operator when the DaemonSet's pods come up, or Gateway API is
      // installed: look again
      return control.rescheduleAfter(RETRY);
    }
    if (health != null || nodeAgent != null) {
      return control.rescheduleAfter(PROBE_INTERVAL);
    }
    return r.getSpec().pullSecrets != null ? control.rescheduleAfter(PULL_SECRETS_RESYNC) : control;
  }

  /**
   * Probes /readyz over TLS once the Deployment has an available replica: trusting the CA of the
   * server certificate's Secret, with the probe client certificate in MutualTLS mode. Null when
   * there is nothing to probe yet (or the prober does not probe).
   */
  private dev.portcullis.operator.api.HealthStatus probe(
      Context<SecureRegistry> context, SecureRegistry r, Observed observed) {
    var mode = r.getSpec().effectiveTls().effectiveMode();
    var d = observed.deployment();
    if (mode == TlsSpec.Mode.Disabled || d == null || d.getStatus() == null
        || d.getStatus().getAvailableReplicas() == null || d.getStatus().getAvailableReplicas() < 1
        || observed.tlsSecret() == null) {
      return null;
    }
    String ca = secretValue(observed.tlsSecret(), "ca.crt");
    if (ca == null) {
      return null;
    }
    java.util.Optional<String> crt = java.util.Optional.empty();
    java.util.Optional<String> key = java.util.Optional.empty();
    if (mode == TlsSpec.Mode.MutualTLS) {
      Secret client = ReferencedSecrets.get(context, r,
          Names.clientCertificate(r, Names.PROBE_CLIENT));
      crt = java.util.Optional.ofNullable(secretValue(client, "tls.crt"));
      key = java.util.Optional.ofNullable(secretValue(client, "tls.key"));
    }
    var url = java.net.URI.create("https://" + Names.service(r) + "."
        + r.getMetadata().getNamespace() + ".svc:"
        + r.getSpec().effectiveService().effectivePort() + "/readyz");
    return prober.probe(new HealthProber.Target(url, ca, crt, key));
  }

  private static String secretValue(Secret s, String key) {
    if (s == null || s.getData() == null || s.getData().get(key) == null) {
      return null;
    }
    return new String(java.util.Base64.getDecoder().decode(s.getData().get(key)),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The API server's own words when there are some: they name the object and the cause. */
  static String describe(Exception e) {
    Throwable t = e;
    while (t != null) {
      if (t instanceof KubernetesClientException k && k.getStatus() != null
          && k.getStatus().getMessage() != null) {
        String hint = k.getCode() == 409 && k.getStatus().getMessage().contains("already exists")
            ? " (an object of that name not created by Portcullis is in the way)"
            : "";
        return k.getStatus().getMessage() + hint;
      }
      t = t.getCause();
    }
    return e.getMessage();
  }

  /** A secondary resource by name; empty when its informer is not registered (no cert-manager). */
  private static <T extends HasMetadata> T named(
      Context<SecureRegistry> context, Class<T> type, String name) {
    try {
      return context.getSecondaryResourcesAsStream(type)
          .filter(o -> name.equals(o.getMetadata().getName()))
          .findFirst().orElse(null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * An unexpected failure: only the Ready condition tells about it, the other conditions keep what
   * was observed before. Written only when it changes, since JOSDK retries with backoff.
   */
  @Override
  public ErrorStatusUpdateControl<SecureRegistry> updateErrorStatus(
      SecureRegistry r, Context<SecureRegistry> context, Exception e) {
    if (Conflicts.isConflict(e)) {
      log.info("{}/{}: changed while being reconciled (409 Conflict); reconciling again",
          r.getMetadata().getNamespace(), r.getMetadata().getName());
      return ErrorStatusUpdateControl.<SecureRegistry>noStatusUpdate()
          .rescheduleAfter(Conflicts.REQUEUE);
    }
    log.warn("{}/{}: reconcile failed", r.getMetadata().getNamespace(), r.getMetadata().getName(),
        e);
    var observed = new Observed(null, null, null, null, null,
        List.of(e.getClass().getSimpleName() + ": " + e.getMessage()));
    var fresh = StatusAggregator.aggregate(r, observed, List.of(), clock.instant());
    var previous = r.getStatus();
    SecureRegistryStatus status;
    if (previous == null) {
      status = fresh;
    } else {
      status = context.getClient().getKubernetesSerialization().clone(previous);
      status.conditions = new ArrayList<>(status.conditions == null ? List.of()
          : status.conditions);
      // Ready, and kstatus's Reconciling (retrying) with Stalled, say what happened
      var replaced = java.util.Set.of(ConditionTypes.READY, ConditionTypes.RECONCILING,
          ConditionTypes.STALLED);
      status.conditions.removeIf(c -> replaced.contains(c.getType()));
      fresh.conditions.stream().filter(c -> replaced.contains(c.getType()))
          .forEach(status.conditions::add);
      status.phase = "Pending";
    }
    metrics.observe(r, status, true);
    if (status.equals(previous)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    r.setStatus(status);
    return ErrorStatusUpdateControl.patchStatus(r);
  }
}
