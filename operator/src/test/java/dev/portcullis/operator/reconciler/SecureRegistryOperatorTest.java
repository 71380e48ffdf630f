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
          "CertificatesReady", "AuthReady", "StorageReady", "Available", "Ready");
    });
  }
}
