package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.ProxySpec;
import dev.portcullis.operator.api.ProxyUpstreamSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.MountedSecretsFingerprint;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pull-through cache's upstream credentials through the reconciler: the registry reads them
 * at start, so a rotated Secret rolls the pods (the mounted-secrets annotation changes) and an
 * untouched one leaves the pod template as it is.
 */
class ProxySecretsRollTest {

  static MockCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    Awaitility.setDefaultPollInterval(Duration.ofMillis(100));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(30));
    Awaitility.ignoreExceptionsByDefault();
    cluster = new MockCluster(true).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void rotatingTheUpstreamCredentialsRollsThePodsAndNothingElseDoes() {
    String ns = "proxyroll";
    var client = cluster.client;
    var r = Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.TLS);
    var hub = Registries.upstream("docker.io", "https://registry-1.docker.io");
    hub.credentialsSecretRef = new ProxyUpstreamSpec.CredentialsSecretRef();
    hub.credentialsSecretRef.name = "hub";
    r.getSpec().proxy = new ProxySpec();
    r.getSpec().proxy.upstreams = List.of(hub);
    client.resource(r).create();

    await().untilAsserted(() -> {
      var now = client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").get();
      var auth = now.getStatus().condition(ConditionTypes.AUTH_READY).orElseThrow();
      assertThat(auth.getReason()).isEqualTo("SecretNotFound");
      assertThat(auth.getMessage()).contains("Secret hub not found");
    });

    client.resource(Registries.secret(ns, "hub",
        Map.of("username", "robot", "password", "hub-token-1"))).create();
    await().until(() -> annotation(ns) != null);
    String first = annotation(ns);
    assertThat(template(ns)).doesNotContain("hub-token-1");

    // the same values written again (a label, a re-apply): no new pod template
    var same = Registries.secret(ns, "hub", Map.of("username", "robot", "password", "hub-token-1"));
    same.getMetadata().setLabels(Map.of("team", "infra"));
    client.resource(same).update();
    long generation = deployment(ns).getMetadata().getGeneration();
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(annotation(ns)).isEqualTo(first);
      assertThat(deployment(ns).getMetadata().getGeneration()).isEqualTo(generation);
    });

    client.resource(Registries.secret(ns, "hub",
        Map.of("username", "robot", "password", "hub-token-2"))).update();
    await().until(() -> annotation(ns) != null && !annotation(ns).equals(first));
    assertThat(template(ns)).doesNotContain("hub-token-2");
  }

  private static Deployment deployment(String ns) {
    return cluster.client.resources(Deployment.class).inNamespace(ns).withName("reg").get();
  }

  private static String template(String ns) {
    return deployment(ns).getSpec().getTemplate().toString();
  }

  private static String annotation(String ns) {
    var d = deployment(ns);
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations()
        .get(MountedSecretsFingerprint.ANNOTATION);
  }
}
