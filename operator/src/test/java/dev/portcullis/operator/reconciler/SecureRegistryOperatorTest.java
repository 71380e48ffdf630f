package dev.portcullis.operator.reconciler;

import static dev.portcullis.operator.testsupport.Registries.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.DeploymentModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.testsupport.FakeCertManager;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

/** The operator end to end against the mock API server, with the fake cert-manager. */
class SecureRegistryOperatorTest {

  static MockCluster cluster;
  static final AtomicInteger NS = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(20));
    Awaitility.ignoreExceptionsByDefault();
    cluster = new MockCluster(true).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String namespace() {
    return "ns" + NS.incrementAndGet();
  }

  static SecureRegistry get(String ns, String name) {
    return cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName(name).get();
  }

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T get(
      Class<T> type, String ns, String name) {
    return cluster.client.resources(type).inNamespace(ns).withName(name).get();
  }

  /** What the kubelet and the Deployment controller would report once the pods run. */
  static void markDeploymentReady(String ns, String name, int replicas) {
    var d = get(Deployment.class, ns, name);
    d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas)
        .withAvailableReplicas(replicas).withObservedGeneration(d.getMetadata().getGeneration())
        .build());
    cluster.client.resource(d).updateStatus();
  }

  static String condition(SecureRegistry r, String type) {
    if (r == null || r.getStatus() == null) {
      return null;
    }
    return r.getStatus().condition(type).map(c -> c.getStatus() + " " + c.getReason() + ": "
        + c.getMessage()).orElse(null);
  }

  @Test
  void htpasswdWithBootstrapCaBecomesReady() throws Exception {
    String ns = namespace();
    var client = cluster.client;
    client.resource(Registries.password(ns, "rackham", "s3cret-Rackham")).create();
    client.resource(Registries.password(ns, "haddock", "blistering-barnacles")).create();
    client.resource(Registries.htpasswd(ns, "reg", "rackham", "haddock")).create();

    await().untilAsserted(() -> {
      assertThat(get(Issuer.class, ns, Names.SELF_SIGNED_ISSUER)).isNotNull();
      assertThat(get(Certificate.class, ns, Names.CA_CERTIFICATE).getSpec().getIsCA()).isTrue();
      assertThat(get(Issuer.class, ns, Names.CA_ISSUER).getSpec().getCa().getSecretName())
          .isEqualTo(Names.CA_SECRET);
      assertThat(get(Issuer.class, ns, Names.CA_ISSUER).getStatus().getConditions())
          .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
      assertThat(get(Secret.class, ns, "reg-tls")).isNotNull();
      assertThat(get(Deployment.class, ns, "reg")).isNotNull();
      assertThat(get(Service.class, ns, "reg")).isNotNull();
      assertThat(get(ConfigMap.class, ns, "reg-config")).isNotNull();
      assertThat(get(PersistentVolumeClaim.class, ns, "reg-data")).isNotNull();
    });

    // the server certificate chains to the namespace CA
    var tls = get(Secret.class, ns, "reg-tls");
    var serverCert = FakeCertManager.readCert(decode(tls, "tls.crt"));
    var caCert = FakeCertManager.readCert(decode(get(Secret.class, ns, Names.CA_SECRET), "tls.crt"));
    serverCert.verify(caCert.getPublicKey());
    assertThat(serverCert.getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList())
        .contains((Object) ("reg." + ns + ".svc"), (Object) ("reg." + ns + ".svc.cluster.local"));

    // htpasswd: bcrypt lines only, verifying the users' passwords
    await().until(() -> get(Secret.class, ns, "reg-htpasswd") != null);
    String file = decode(get(Secret.class, ns, "reg-htpasswd"), "htpasswd");
    assertThat(file).doesNotContain("s3cret-Rackham").doesNotContain("blistering");
    var lines = Registries.lines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("rackham:$2y$10$");
    assertThat(BCrypt.checkpw("s3cret-Rackham", "$2a$" + lines.get(0).substring(12))).isTrue();

    markDeploymentReady(ns, "reg", 1);
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.READY)).startsWith("True");
      assertThat(r.getStatus().phase).isEqualTo("Ready");
      assertThat(r.getStatus().endpoint).isEqualTo("reg." + ns + ".svc:5000");
      assertThat(r.getStatus().caBundle).contains("BEGIN CERTIFICATE");
      assertThat(r.getStatus().readyReplicas).isEqualTo(1);
      assertThat(r.getStatus().observedGeneration).isEqualTo(r.getMetadata().getGeneration());
      assertThat(r.getStatus().conditions).extracting(c -> c.getType()).containsExactly(
          "CertificatesReady", "AuthReady", "StorageReady", "Available", "Reconciling",
          "Stalled", "Ready", "Insecure");
      assertThat(condition(r, ConditionTypes.INSECURE)).startsWith("False Secured");
    });
  }

  /** Creates the registry and its password Secret, waits until it is Ready with pods running. */
  static void readyHtpasswdRegistry(String ns) {
    cluster.client.resource(Registries.password(ns, "rackham", "first-password")).create();
    cluster.client.resource(Registries.htpasswd(ns, "reg", "rackham")).create();
    await().until(() -> get(Deployment.class, ns, "reg") != null
        && get(Secret.class, ns, "reg-tls") != null
        && get(Secret.class, ns, "reg-htpasswd") != null);
    markDeploymentReady(ns, "reg", 1);
    await().until(() -> condition(get(ns, "reg"), ConditionTypes.READY).startsWith("True"));
  }

  @Test
  void passwordChangeUpdatesHtpasswdWithoutRollingPods() {
    String ns = namespace();
    readyHtpasswdRegistry(ns);
    var template = get(Deployment.class, ns, "reg").getSpec().getTemplate();
    String before = decode(get(Secret.class, ns, "reg-htpasswd"), "htpasswd");

    cluster.client.resource(Registries.password(ns, "rackham", "second-password")).update();

    await().untilAsserted(() -> {
      String line = decode(get(Secret.class, ns, "reg-htpasswd"), "htpasswd").trim();
      assertThat(line).isNotEqualTo(before.trim());
      assertThat(BCrypt.checkpw("second-password", "$2a$" + line.substring("rackham:$2y$".length())))
          .isTrue();
    });
    assertThat(get(Deployment.class, ns, "reg").getSpec().getTemplate()).isEqualTo(template);
  }

  @Test
  void specChangeRollsPodsButCertificateRenewalDoesNot() {
    String ns = namespace();
    readyHtpasswdRegistry(ns);
    var deployment = get(Deployment.class, ns, "reg");
    String tlsBefore = decode(get(Secret.class, ns, "reg-tls"), "tls.crt");

    long seen = cluster.reconciler.reconcileCount();
    cluster.certManager().renew(ns, "reg-tls");
    await().until(() -> !decode(get(Secret.class, ns, "reg-tls"), "tls.crt").equals(tlsBefore));
    // the operator sees the renewal (it watches the TLS Secret) and changes nothing in the pods
    await().until(() -> cluster.reconciler.reconcileCount() > seen);
    assertThat(get(Deployment.class, ns, "reg").getMetadata().getResourceVersion())
        .isEqualTo(deployment.getMetadata().getResourceVersion());

    var r = get(ns, "reg");
    r.getSpec().health = new dev.portcullis.operator.api.HealthSpec();
    r.getSpec().health.storageDriver = new dev.portcullis.operator.api.HealthSpec.StorageDriver();
    r.getSpec().health.storageDriver.interval = "30s";
    cluster.client.resource(r).update();

    String hashBefore = deployment.getSpec().getTemplate().getMetadata().getAnnotations()
        .get(DeploymentModel.CONFIG_HASH_ANNOTATION);
    await().untilAsserted(() -> {
      assertThat(get(Deployment.class, ns, "reg").getSpec().getTemplate().getMetadata()
          .getAnnotations().get(DeploymentModel.CONFIG_HASH_ANNOTATION)).isNotEqualTo(hashBefore);
      assertThat(get(ConfigMap.class, ns, "reg-config").getData().get("config.yml"))
          .contains("interval: 30s");
    });
  }

  /**
   * On a real cluster the Deployment controller writes the Deployment while the operator updates
   * it, and the operator's update fails with 409 Conflict. That is routine: one log line, a
   * reconcile again soon, and no failure in the status (it used to be a WARN with a stack trace
   * and a Ready condition saying the dependent failed).
   */
  @Test
  void aConflictOnUpdateIsOneLogLineAndAnotherReconcile() {
    String ns = namespace();
    readyHtpasswdRegistry(ns);
    String hashBefore = get(Deployment.class, ns, "reg").getSpec().getTemplate().getMetadata()
        .getAnnotations().get(DeploymentModel.CONFIG_HASH_ANNOTATION);
    cluster.conflictOnce.add("/namespaces/" + ns + "/deployments/reg");
    var log = new java.io.ByteArrayOutputStream();
    var stderr = System.err;
    // slf4j-simple writes to whatever System.err is at the time
    System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        stderr.write(b);
        synchronized (log) {
          log.write(b);
        }
      }
    }, true));
    try {
      var r = get(ns, "reg");
      r.getSpec().health = new dev.portcullis.operator.api.HealthSpec();
      r.getSpec().health.storageDriver = new dev.portcullis.operator.api.HealthSpec.StorageDriver();
      r.getSpec().health.storageDriver.interval = "45s";
      cluster.client.resource(r).update();
      await().untilAsserted(() -> assertThat(get(Deployment.class, ns, "reg").getSpec()
          .getTemplate().getMetadata().getAnnotations()
          .get(DeploymentModel.CONFIG_HASH_ANNOTATION)).isNotEqualTo(hashBefore));
    } finally {
      System.setErr(stderr);
    }
    assertThat(cluster.conflictOnce).as("the update met its conflict").isEmpty();
    java.util.List<String> lines;
    synchronized (log) {
      lines = log.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    }
    assertThat(lines.stream().filter(l -> l.contains(ns + "/reg") && l.contains("409"))).hasSize(1);
    assertThat(lines).noneMatch(l -> l.startsWith("\tat ") || l.contains("KubernetesClientException"));
    // the rollout it started may make Ready False for a while, but never with the conflict
    assertThat(condition(get(ns, "reg"), ConditionTypes.READY)).doesNotContain("409")
        .doesNotContain("has been modified");
  }

  /**
   * Registries of one namespace share the bootstrap CA; reconciled at once, all but one of them
   * find it created by another a moment before (409 AlreadyExists on a real server). That is
   * create-if-absent: no warning, no failed condition, the registry takes the object that is there.
   */
  @Test
  void theSharedCaCreatedByAnotherRegistryAMomentBeforeIsTakenQuietly() {
    String ns = namespace();
    for (String path : java.util.List.of("certificates/" + Names.CA_CERTIFICATE,
        "issuers/" + Names.CA_ISSUER, "issuers/" + Names.SELF_SIGNED_ISSUER)) {
      cluster.createdFirstByAnother.add("/apis/cert-manager.io/v1/namespaces/" + ns + "/" + path);
    }
    var log = new java.io.ByteArrayOutputStream();
    var stderr = System.err;
    System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        stderr.write(b);
        synchronized (log) {
          log.write(b);
        }
      }
    }, true));
    try {
      readyHtpasswdRegistry(ns);
    } finally {
      System.setErr(stderr);
    }
    assertThat(cluster.createdFirstByAnother).as("each create met its race").isEmpty();
    java.util.List<String> lines;
    synchronized (log) {
      lines = log.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    }
    assertThat(lines).noneMatch(l -> l.contains(ns + "/") && (l.contains("WARN")
        || l.contains("ERROR")));
    assertThat(lines).noneMatch(l -> l.contains("already exists"));
  }

  /**
   * cert-manager (without --enable-certificate-owner-ref) leaves a Certificate's Secret, the
   * private key, behind when the Certificate is deleted: the operator makes each Certificate the
   * owner of its Secret, so that the garbage collector takes the key with the Certificate (which
   * goes with the registry, or when a client certificate leaves the spec).
   */
  @Test
  void certificateSecretsAreOwnedByTheirCertificates() {
    String ns = namespace();
    cluster.client.resource(Registries.password(ns, "rackham", "first-password")).create();
    var r = Registries.tls(Registries.htpasswd(ns, "reg", "rackham"),
        dev.portcullis.operator.api.TlsSpec.Mode.MutualTLS);
    var ci = new dev.portcullis.operator.api.TlsSpec.ClientCertificate();
    ci.name = "ci";
    r.getSpec().tls.clientCertificates = java.util.List.of(ci);
    cluster.client.resource(r).create();
    for (String secret : java.util.List.of("reg-tls", "reg-client-ci", "reg-client-probe")) {
      await().untilAsserted(() -> {
        var cert = get(Certificate.class, ns, secret);
        assertThat(get(Secret.class, ns, secret).getMetadata().getOwnerReferences())
            .as("owners of Secret %s", secret)
            .anyMatch(o -> "Certificate".equals(o.getKind()) && secret.equals(o.getName())
                && cert.getMetadata().getUid().equals(o.getUid())
                && !Boolean.TRUE.equals(o.getController()));
      });
    }
    assertThat(get(Secret.class, ns, Names.CA_SECRET).getMetadata().getOwnerReferences())
        .as("the namespace's shared CA outlives any one registry").isNullOrEmpty();
  }

  /**
   * A namespace listed in pullSecrets.namespaces that does not exist (a typo, or one not made
   * yet) gets no pull secret: the status names it, instead of saying nothing.
   */
  @Test
  void aListedPullSecretNamespaceThatDoesNotExistIsNamedInStatus() {
    String ns = namespace();
    String app = ns + "-app";
    cluster.client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName(app).withLabels(MockCluster.OPEN_TO_PULL_SECRETS).endMetadata()
        .build()).create();
    cluster.client.resource(Registries.password(ns, "rackham", "first-password")).create();
    var r = Registries.htpasswd(ns, "reg", "rackham");
    r.getSpec().pullSecrets = new dev.portcullis.operator.api.PullSecretsSpec();
    r.getSpec().pullSecrets.namespaces = java.util.List.of(app, ns + "-typo");
    cluster.client.resource(r).create();
    String pullSecret = dev.portcullis.operator.model.PullRobot.pullSecretName(r);
    await().untilAsserted(() -> {
      assertThat(get(Secret.class, app, pullSecret)).isNotNull();
      assertThat(condition(get(ns, "reg"), ConditionTypes.PULL_SECRETS_PUBLISHED))
          .startsWith("False NamespaceNotFound")
          .contains(ns + "-typo").doesNotContain(app + ",");
    });
  }

  /** Writes in {@code ns} or cluster-wide: other tests' registries may still be retrying. */
  static java.util.List<String> writesConcerning(String ns, java.util.List<String> requests) {
    return MockCluster.writes(requests).stream()
        .filter(r -> !r.contains("/namespaces/") || r.contains("/namespaces/" + ns + "/"))
        .toList();
  }

  @Test
  void unchangedRegistryReconciledAgainMakesNoWrites() throws Exception {
    String ns = namespace();
    readyHtpasswdRegistry(ns);
    // let the last events settle
    Thread.sleep(1500);
    cluster.stopOperator();
    cluster.drainRequests();

    // a restarted operator reconciles every registry once: nothing may be written
    long before = cluster.reconciler.reconcileCount();
    cluster.startOperator();
    await().until(() -> cluster.reconciler.reconcileCount() > before);
    Thread.sleep(1000);
    var requests = cluster.requestsSinceDrain();
    assertThat(requests).as("the recording works: the new operator listed and watched")
        .anyMatch(r -> r.startsWith("GET /apis/portcullis.dev/v1alpha1/secureregistries"));
    assertThat(writesConcerning(ns, requests)).isEmpty();

    // a change to a watched Secret that does not change the password: reconciled, nothing written
    long again = cluster.reconciler.reconcileCount();
    var secret = get(Secret.class, ns, "rackham-password");
    secret.getMetadata().setLabels(java.util.Map.of("touched", "yes"));
    cluster.client.resource(secret).update();
    cluster.drainRequests();
    await().until(() -> cluster.reconciler.reconcileCount() > again);
    Thread.sleep(500);
    assertThat(writesConcerning(ns, cluster.requestsSinceDrain())).isEmpty();
  }

  /**
   * Issue 11: every reconcile used to list Secrets cluster-wide to find pull secrets to remove,
   * also for registries that never had any; at 100 registries those lists timed out. Only a
   * registry with a robot Secret may have pull secrets, and dropping pullSecrets still removes them.
   */
  @Test
  void pullSecretsAreLookedForOnlyWhereThereCanBeSome() throws Exception {
    String ns = namespace();
    String app = ns + "-app";
    cluster.client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
        .withNewMetadata().withName(app).withLabels(MockCluster.OPEN_TO_PULL_SECRETS).endMetadata()
        .build()).create();
    readyHtpasswdRegistry(ns);
    var withPull = Registries.htpasswd(ns, "pulled", "rackham");
    withPull.getSpec().pullSecrets = new dev.portcullis.operator.api.PullSecretsSpec();
    withPull.getSpec().pullSecrets.namespaces = java.util.List.of(app);
    cluster.client.resource(withPull).create();
    String pullSecret = dev.portcullis.operator.model.PullRobot.pullSecretName(withPull);
    await().until(() -> get(Secret.class, app, pullSecret) != null);
    await().untilAsserted(() -> assertThat(condition(get(ns, "pulled"),
        ConditionTypes.PULL_SECRETS_PUBLISHED)).startsWith("True Published"));

    // "reg" has no pullSecrets: reconciling it again must not look for any
    long seen = cluster.reconciler.reconcileCount();
    cluster.drainRequests();
    var secret = get(Secret.class, ns, "rackham-password");
    secret.getMetadata().setLabels(java.util.Map.of("touched", "again"));
    cluster.client.resource(secret).update();
    await().until(() -> cluster.reconciler.reconcileCount() > seen);
    Thread.sleep(500);
    String regLabel = "pull-secret-of%3D" + ns + ".reg";
    assertThat(cluster.requestsSinceDrain()).noneMatch(q -> q.contains(regLabel));

    // dropping pullSecrets from the spec removes the pull secret it published
    await().untilAsserted(() -> {
      var current = get(ns, "pulled");
      current.getSpec().pullSecrets = null;
      cluster.client.resource(current).update();
    });
    await().until(() -> get(Secret.class, app, pullSecret) == null);
  }

  @Test
  void deletionKeepsTheClaimUnlessRetainOnDeleteIsFalse() {
    String ns = namespace();
    var kept = Registries.basic(ns, "kept");
    var dropped = Registries.basic(ns, "dropped");
    dropped.getSpec().storage.persistentVolumeClaim.retainOnDelete = false;
    cluster.client.resource(kept).create();
    cluster.client.resource(dropped).create();
    await().until(() -> get(PersistentVolumeClaim.class, ns, "kept-data") != null
        && get(PersistentVolumeClaim.class, ns, "dropped-data") != null
        && get(Deployment.class, ns, "kept") != null);

    // the mock server runs no garbage collector: the owner references are what Kubernetes acts on
    var keptUid = get(ns, "kept").getMetadata().getUid();
    var droppedUid = get(ns, "dropped").getMetadata().getUid();
    assertThat(get(PersistentVolumeClaim.class, ns, "kept-data").getMetadata().getOwnerReferences())
        .noneMatch(o -> o.getUid().equals(keptUid));
    // controller: true is what kubectl describe ("Controlled By") and Argo CD's tree follow;
    // blockOwnerDeletion holds a foreground deletion of the registry until they are gone
    assertThat(get(PersistentVolumeClaim.class, ns, "dropped-data").getMetadata()
        .getOwnerReferences()).anyMatch(o -> o.getUid().equals(droppedUid)
            && Boolean.TRUE.equals(o.getController())
            && Boolean.TRUE.equals(o.getBlockOwnerDeletion()));
    assertThat(get(Deployment.class, ns, "kept").getMetadata().getOwnerReferences())
        .anyMatch(o -> o.getUid().equals(keptUid) && Boolean.TRUE.equals(o.getController())
            && Boolean.TRUE.equals(o.getBlockOwnerDeletion()));

    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("kept").delete();
    await().until(() -> get(ns, "kept") == null);
    assertThat(get(PersistentVolumeClaim.class, ns, "kept-data")).isNotNull();
  }

  @Test
  void missingPasswordSecretIsReportedAndNothingIsCreated() {
    String ns = namespace();
    cluster.client.resource(Registries.htpasswd(ns, "reg", "rackham")).create();
    await().untilAsserted(() -> {
      var r = get(ns, "reg");
      assertThat(condition(r, ConditionTypes.AUTH_READY))
          .isEqualTo("False SecretNotFound: Secret rackham-password not found"
              + " (password of user rackham)");
      assertThat(condition(r, ConditionTypes.READY)).startsWith("False");
      assertThat(r.getStatus().phase).isEqualTo("Failed");
    });
    assertThat(get(Deployment.class, ns, "reg")).isNull();

    // the Secret appears: the operator notices by itself
    cluster.client.resource(Registries.password(ns, "rackham", "late-password")).create();
    await().until(() -> get(Secret.class, ns, "reg-htpasswd") != null
        && get(Deployment.class, ns, "reg") != null);
    await().until(() -> condition(get(ns, "reg"), ConditionTypes.AUTH_READY).startsWith("True"));
  }

  @Test
  void invalidChangeIsReportedWithoutTouchingWhatRuns() {
    String ns = namespace();
    readyHtpasswdRegistry(ns);
    var deployment = get(Deployment.class, ns, "reg");

    var r = get(ns, "reg");
    r.getSpec().replicas = 3; // on a ReadWriteOnce claim
    cluster.client.resource(r).update();
    await().untilAsserted(() -> assertThat(condition(get(ns, "reg"), ConditionTypes.STORAGE_READY))
        .isEqualTo("False ReplicasNeedSharedStorage: replicas: 3 needs s3 or azure storage or a"
            + " ReadWriteMany claim"));
    assertThat(get(ns, "reg").getStatus().phase).isEqualTo("Degraded");
    assertThat(get(Deployment.class, ns, "reg").getMetadata().getResourceVersion())
        .isEqualTo(deployment.getMetadata().getResourceVersion());
  }

  @Test
  void tokenModeDefaultsToTheManagedIssuerAndChecksItsLifetime() {
    String ns = namespace();
    var r = Registries.basic(ns, "reg");
    r.getSpec().auth = new dev.portcullis.operator.api.AuthSpec();
    r.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Token;
    cluster.client.resource(r).create();
    await().untilAsserted(() -> {
      assertThat(condition(get(ns, "reg"), ConditionTypes.AUTH_READY))
          .startsWith("True TokenIssuerConfigured: tokens from reg-auth");
      assertThat(get(Deployment.class, ns, "reg-auth")).isNotNull();
    });
    String bad = namespace();
    var shortLived = Registries.basic(bad, "reg");
    shortLived.getSpec().auth = new dev.portcullis.operator.api.AuthSpec();
    shortLived.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Token;
    shortLived.getSpec().auth.token = new dev.portcullis.operator.api.AuthSpec.Token();
    shortLived.getSpec().auth.token.managed = new dev.portcullis.operator.api.AuthSpec.Managed();
    shortLived.getSpec().auth.token.managed.tokenLifetime = "30s";
    cluster.client.resource(shortLived).create();
    await().untilAsserted(() -> assertThat(condition(get(bad, "reg"), ConditionTypes.AUTH_READY))
        .isEqualTo("False InvalidAuth: auth.token.managed.tokenLifetime must be at least 1m"));

    // kubernetes login: the issuer gets a ServiceAccount of its own and mounts its token
    String login = namespace();
    var withLogin = Registries.basic(login, "reg");
    withLogin.getSpec().auth = new dev.portcullis.operator.api.AuthSpec();
    withLogin.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Token;
    withLogin.getSpec().auth.token = new dev.portcullis.operator.api.AuthSpec.Token();
    withLogin.getSpec().auth.token.managed = new dev.portcullis.operator.api.AuthSpec.Managed();
    withLogin.getSpec().auth.token.managed.kubernetes =
        new dev.portcullis.operator.api.AuthSpec.KubernetesLogin();
    withLogin.getSpec().auth.token.managed.kubernetes.enabled = true;
    cluster.client.resource(withLogin).create();
    await().untilAsserted(() -> {
      assertThat(get(io.fabric8.kubernetes.api.model.ServiceAccount.class, login, "reg-auth"))
          .isNotNull();
      var pod = get(Deployment.class, login, "reg-auth").getSpec().getTemplate().getSpec();
      assertThat(pod.getServiceAccountName()).isEqualTo("reg-auth");
      assertThat(pod.getAutomountServiceAccountToken()).isTrue();
      assertThat(get(ConfigMap.class, login, "reg-auth-config").getData().get("config.yml"))
          .contains("kubernetes:", "enabled: true");
    });
  }

  @Test
  void missingProgramsConfigMapIsReportedUntilItIsCreated() {
    String ns = namespace();
    var r = Registries.basic(ns, "reg");
    r.getSpec().auth = new dev.portcullis.operator.api.AuthSpec();
    r.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Token;
    r.getSpec().auth.token = new dev.portcullis.operator.api.AuthSpec.Token();
    r.getSpec().auth.token.managed = new dev.portcullis.operator.api.AuthSpec.Managed();
    var programs = new dev.portcullis.operator.api.TokenProgramsSpec();
    programs.configMapName = "auth-programs";
    programs.authenticate = new dev.portcullis.operator.api.TokenProgramsSpec.Program();
    programs.authenticate.command = "/etc/portcullis/auth-programs/check";
    r.getSpec().auth.token.managed.programs = programs;
    cluster.client.resource(r).create();
    await().untilAsserted(() -> assertThat(condition(get(ns, "reg"), ConditionTypes.AUTH_READY))
        .isEqualTo("False ConfigMapNotFound: ConfigMap auth-programs not found"
            + " (auth.token.managed.programs.configMapName)"));
    assertThat(get(Deployment.class, ns, "reg-auth")).isNull();

    // the ConfigMap appears: the operator notices by itself
    cluster.client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("auth-programs").withNamespace(ns).endMetadata()
        .addToData("check", "#!/usr/bin/java --source 17").build()).create();
    await().untilAsserted(() -> {
      assertThat(condition(get(ns, "reg"), ConditionTypes.AUTH_READY))
          .startsWith("True TokenIssuerConfigured");
      assertThat(get(Deployment.class, ns, "reg-auth")).isNotNull();
    });
  }

  @Test
  void tlsDisabledWithEmptyDirRunsPlainHttpWithoutCertificates() {
    String ns = namespace();
    var r = Registries.tls(Registries.basic(ns, "plain"),
        dev.portcullis.operator.api.TlsSpec.Mode.Disabled);
    r.getSpec().storage = new dev.portcullis.operator.api.StorageSpec();
    r.getSpec().storage.emptyDir = new dev.portcullis.operator.api.StorageSpec.EmptyDir();
    cluster.client.resource(r).create();
    await().until(() -> get(Deployment.class, ns, "plain") != null);
    String config = get(ConfigMap.class, ns, "plain-config").getData().get("config.yml");
    assertThat(config).contains("insecure: true").doesNotContain("tls:").doesNotContain("auth:");
    assertThat(get(Certificate.class, ns, "plain-tls")).isNull();
    assertThat(get(PersistentVolumeClaim.class, ns, "plain-data")).isNull();
    assertThat(get(Deployment.class, ns, "plain").getSpec().getTemplate().getSpec().getVolumes())
        .extracting(v -> v.getName()).containsExactly("config", "data", "tmp");
    markDeploymentReady(ns, "plain", 1);
    await().untilAsserted(() -> {
      assertThat(condition(get(ns, "plain"), ConditionTypes.CERTIFICATES_READY))
          .startsWith("True TLSDisabled");
      assertThat(condition(get(ns, "plain"), ConditionTypes.READY)).startsWith("True");
      assertThat(condition(get(ns, "plain"), ConditionTypes.INSECURE))
          .startsWith("True NoAuthenticationNoTLS");
    });
  }

  /** Issue #25, item 2: no auth is never an accident; the one section given is the mode. */
  @Test
  void anUnsaidAuthIsRefusedAndALoneHtpasswdSectionIsBasicAuth() {
    String ns = namespace();
    var unsaid = Registries.basic(ns, "unsaid");
    unsaid.getSpec().auth = null;
    cluster.client.resource(unsaid).create();
    cluster.client.resource(Registries.password(ns, "rackham", "s3cret-Rackham")).create();
    var inferred = Registries.htpasswd(ns, "inferred", "rackham");
    inferred.getSpec().auth.mode = null;
    cluster.client.resource(inferred).create();
    await().untilAsserted(() -> {
      assertThat(condition(get(ns, "unsaid"), ConditionTypes.AUTH_READY)).isEqualTo(
          "False AuthenticationUnspecified: auth needs auth.htpasswd or auth.token, or auth.mode"
              + " None for a registry anyone who reaches it can push to");
      assertThat(get(ns, "unsaid").getStatus().phase).isEqualTo("Failed");
      assertThat(get(ConfigMap.class, ns, "inferred-config").getData().get("config.yml"))
          .contains("htpasswd:", "path: /etc/portcullis/auth/htpasswd");
      assertThat(condition(get(ns, "inferred"), ConditionTypes.AUTH_READY))
          .startsWith("True HtpasswdReady");
    });
    assertThat(get(Deployment.class, ns, "unsaid")).isNull();
  }

  @Test
  void s3StorageTakesCredentialsFromTheSecretAsEnvVars() {
    String ns = namespace();
    var r = Registries.basic(ns, "s3reg");
    r.getSpec().replicas = 2;
    r.getSpec().storage = new dev.portcullis.operator.api.StorageSpec();
    var s3 = new dev.portcullis.operator.api.StorageSpec.S3();
    s3.bucket = "images";
    s3.region = "eu-west-1";
    s3.endpoint = "https://minio.storage:9000";
    s3.forcePathStyle = true;
    s3.credentialsSecretRef = new dev.portcullis.operator.api.StorageSpec.S3Credentials();
    s3.credentialsSecretRef.name = "s3-creds";
    r.getSpec().storage.s3 = s3;
    cluster.client.resource(Registries.secret(ns, "s3-creds",
        java.util.Map.of("accessKey", "AKIAEXAMPLE", "secretKey", "very-secret"))).create();
    cluster.client.resource(r).create();
    await().until(() -> get(Deployment.class, ns, "s3reg") != null);
    String config = get(ConfigMap.class, ns, "s3reg-config").getData().get("config.yml");
    assertThat(config).contains("bucket: images", "regionendpoint: https://minio.storage:9000",
        "forcepathstyle: true").doesNotContain("very-secret").doesNotContain("AKIAEXAMPLE");
    var deployment = get(Deployment.class, ns, "s3reg");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    var env = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env).extracting(e -> e.getName() + "=" + e.getValueFrom().getSecretKeyRef()
        .getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey())
        .containsExactly("REGISTRY_STORAGE_S3_ACCESSKEY=s3-creds/accessKey",
            "REGISTRY_STORAGE_S3_SECRETKEY=s3-creds/secretKey");
    assertThat(get(PersistentVolumeClaim.class, ns, "s3reg-data")).isNull();
  }

  @Test
  void issuerRefUsesTheUsersIssuerAndNoBootstrapCa() {
    String ns = namespace();
    cluster.client.resource(new io.fabric8.certmanager.api.model.v1.ClusterIssuerBuilder()
        .withNewMetadata().withName("corp-selfsigned").endMetadata()
        .withNewSpec().withNewSelfSigned().endSelfSigned().endSpec().build()).create();
    var r = Registries.tls(Registries.basic(ns, "corp"),
        dev.portcullis.operator.api.TlsSpec.Mode.MutualTLS);
    r.getSpec().tls.issuerRef = new dev.portcullis.operator.api.TlsSpec.IssuerRef();
    r.getSpec().tls.issuerRef.name = "corp-selfsigned";
    r.getSpec().tls.issuerRef.kind = "ClusterIssuer";
    r.getSpec().tls.duration = "720h";
    r.getSpec().host = java.util.List.of("registry.corp.example");
    cluster.client.resource(r).create();
    await().until(() -> get(Secret.class, ns, "corp-tls") != null
        && get(ConfigMap.class, ns, "corp-config") != null);
    var cert = get(Certificate.class, ns, "corp-tls");
    assertThat(cert.getSpec().getIssuerRef().getName()).isEqualTo("corp-selfsigned");
    assertThat(cert.getSpec().getIssuerRef().getKind()).isEqualTo("ClusterIssuer");
    assertThat(cert.getSpec().getDnsNames()).containsExactly("registry.corp.example");
    assertThat(cert.getSpec().getDuration().getValue()).isEqualTo(Duration.ofHours(720).toNanos());
    // cert-manager's CRD stores the text as sent: "720h" as the user wrote it, not Fabric8's
    // "2592000000000000ns", which GitOps tools would show as a difference to the SecureRegistry
    var stored = cluster.client.genericKubernetesResources("cert-manager.io/v1", "Certificate")
        .inNamespace(ns).withName("corp-tls").get();
    assertThat(((java.util.Map<?, ?>) stored.getAdditionalProperties().get("spec")).get("duration"))
        .isEqualTo("720h");
    assertThat(get(Issuer.class, ns, Names.CA_ISSUER)).isNull();
    assertThat(get(ConfigMap.class, ns, "corp-config").getData().get("config.yml"))
        .contains("clientcas:", "- /etc/portcullis/tls/ca.crt");
    await().untilAsserted(() -> assertThat(get(ns, "corp").getStatus().endpoint)
        .isEqualTo("registry.corp.example:5000"));
  }

  @Test
  void samplesApplyAndBecomeReady() throws Exception {
    for (String sample : java.util.List.of("htpasswd.yaml", "s3-ha.yaml")) {
      String ns = namespace();
      try (var in = new java.io.FileInputStream(java.nio.file.Path.of("..", "samples", sample)
          .toFile())) {
        var items = cluster.client.load(in).items();
        for (var item : items) {
          item.getMetadata().setNamespace(ns);
          cluster.client.resource(item).create();
        }
        String name = items.stream().filter(i -> i.getKind().equals("SecureRegistry"))
            .findFirst().orElseThrow().getMetadata().getName();
        await().until(() -> get(Deployment.class, ns, name) != null);
        markDeploymentReady(ns, name, get(Deployment.class, ns, name).getSpec().getReplicas());
        await().untilAsserted(() -> assertThat(condition(get(ns, name), ConditionTypes.READY))
            .as(sample).startsWith("True"));
      }
    }
  }

  @Test
  void existingHtpasswdSecretIsMountedAsItIs() {
    String ns = namespace();
    var r = Registries.basic(ns, "own");
    r.getSpec().auth = new dev.portcullis.operator.api.AuthSpec();
    r.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Htpasswd;
    r.getSpec().auth.htpasswd = new dev.portcullis.operator.api.AuthSpec.Htpasswd();
    r.getSpec().auth.htpasswd.existingSecretRef = new dev.portcullis.operator.api.AuthSpec.SecretRef();
    r.getSpec().auth.htpasswd.existingSecretRef.name = "my-htpasswd";
    cluster.client.resource(r).create();
    await().untilAsserted(() -> assertThat(condition(get(ns, "own"), ConditionTypes.AUTH_READY))
        .isEqualTo("False SecretNotFound: Secret my-htpasswd not found"
            + " (auth.htpasswd.existingSecretRef)"));

    cluster.client.resource(Registries.secret(ns, "my-htpasswd", java.util.Map.of("htpasswd",
        "rackham:" + BCrypt.hashpw("pw", BCrypt.gensalt(4)) + "\n"))).create();
    await().until(() -> get(Deployment.class, ns, "own") != null);
    var volumes = get(Deployment.class, ns, "own").getSpec().getTemplate().getSpec().getVolumes();
    assertThat(volumes).filteredOn(v -> v.getName().equals("auth"))
        .extracting(v -> v.getSecret().getSecretName()).containsExactly("my-htpasswd");
    assertThat(get(Secret.class, ns, "own-htpasswd")).isNull();
    await().untilAsserted(() -> assertThat(condition(get(ns, "own"), ConditionTypes.AUTH_READY))
        .startsWith("True ExistingSecret"));
  }

  @Test
  void nameClashIsReportedInReady() {
    String ns = namespace();
    cluster.client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("clash-config").withNamespace(ns).endMetadata()
        .addToData("config.yml", "someone else's").build()).create();
    cluster.client.resource(Registries.basic(ns, "clash")).create();
    await().untilAsserted(() -> assertThat(condition(get(ns, "clash"), ConditionTypes.READY))
        .startsWith("False ReconcileError: config: ")
        .contains("clash-config", "not created by Portcullis"));
    // the other objects are reconciled all the same
    assertThat(get(Deployment.class, ns, "clash")).isNotNull();
    assertThat(get(ConfigMap.class, ns, "clash-config").getData().get("config.yml"))
        .isEqualTo("someone else's");
    cluster.client.resource(get(ns, "clash")).delete(); // stop its retries
  }
}
