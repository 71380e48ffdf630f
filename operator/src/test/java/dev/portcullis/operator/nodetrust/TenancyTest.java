package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.PullSecretsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.NodeTrustModel;
import dev.portcullis.operator.model.PullRobot;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 25 items 3 and 6, through the operator on the mock cluster: what a SecureRegistry's author
 * can reach is bounded by names its registry owns and by the namespaces the admin opened.
 */
class TenancyTest extends MockClusterTest {

  static SecureRegistry nodeTrusted(String ns, String host) {
    var r = Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.TLS);
    r.getSpec().host = List.of(host);
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    return r;
  }

  static String registriesYaml() {
    var cm = get(ConfigMap.class, NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE, Names.NODE_TRUST_CONFIGMAP);
    return cm == null ? "" : cm.getData().get(NodeTrustModel.REGISTRIES_KEY);
  }

  static Condition condition(String ns, String name, String type) {
    return get(SecureRegistry.class, ns, name).getStatus().condition(type).orElseThrow();
  }

  @Test
  void aHostStaysWithTheRegistryThatClaimedItFirstAndPublicNamesAreRefused() throws Exception {
    // the first claimant's namespace sorts last: the order is the creation time's
    cluster.client.resource(nodeTrusted("ten-z", "shared.example.com")).create();
    await().until(() -> registriesYaml().contains("id: ten-z/reg"));
    Thread.sleep(1100); // creationTimestamp has a resolution of seconds
    cluster.client.resource(nodeTrusted("ten-b", "shared.example.com:443")).create();
    cluster.client.resource(nodeTrusted("ten-c", "docker.io")).create();

    await().untilAsserted(() -> {
      var claimed = condition("ten-b", "reg", ConditionTypes.CERTIFICATES_READY);
      assertThat(claimed.getStatus()).isEqualTo("False");
      assertThat(claimed.getReason()).isEqualTo("HostClaimed");
      assertThat(claimed.getMessage()).contains("'shared.example.com:443'",
          "SecureRegistry ten-z/reg");
      var publicName = condition("ten-c", "reg", ConditionTypes.CERTIFICATES_READY);
      assertThat(publicName.getReason()).isEqualTo("PublicRegistryHost");
      assertThat(publicName.getMessage()).contains("'docker.io'",
          "PORTCULLIS_NODE_TRUST_ALLOWED_PUBLIC_HOSTS");
    });
    // refused specs are not applied, and the nodes never hear of them
    assertThat(get(Deployment.class, "ten-b", "reg")).isNull();
    assertThat(get(Deployment.class, "ten-c", "reg")).isNull();
    assertThat(registriesYaml()).contains("id: ten-z/reg", "shared.example.com")
        .doesNotContain("ten-b/reg", "ten-c/reg", "docker.io");
    assertThat(condition("ten-z", "reg", ConditionTypes.CERTIFICATES_READY).getReason())
        .isNotEqualTo("HostClaimed");

    // the first claimant gone, the host is free for the next
    cluster.client.resources(SecureRegistry.class).inNamespace("ten-z").withName("reg").delete();
    await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(registriesYaml()).contains("id: ten-b/reg").doesNotContain("ten-z/reg"));
  }

  static void namespace(String name, Map<String, String> labels) {
    cluster.client.resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).createOr(n -> n.update());
    cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
        .withNamespace(name).endMetadata().build()).createOr(n -> n.update());
  }

  @Test
  void pullSecretsGoOnlyWhereTheAdminOpenedAndTheRefusalsAreNamed() {
    String ns = "ten-ps";
    namespace(ns, Map.of());
    namespace("ten-open", MockCluster.OPEN_TO_PULL_SECRETS);
    namespace("ten-closed", Map.of("team", "x"));
    namespace("kube-system", Map.of());
    cluster.client.resource(Registries.password(ns, "admin", "admin-Passw0rd")).create();
    // a pull secret under the name of earlier versions (which collided across tenants)
    String oldName = "portcullis-" + ns + "-reg-pull";
    cluster.client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
        .withName(oldName).withNamespace("ten-open")
        .withLabels(Map.of(PullRobot.REGISTRY_LABEL, ns + ".reg")).endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .withStringData(Map.of(".dockerconfigjson", "{\"auths\":{}}")).build()).create();
    cluster.client.serviceAccounts().inNamespace("ten-open").withName("default").edit(a -> {
      a.setImagePullSecrets(List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference(
          oldName)));
      return a;
    });
    var r = Registries.htpasswd(ns, "reg", "admin");
    r.getSpec().pullSecrets = new PullSecretsSpec();
    r.getSpec().pullSecrets.namespaces = List.of(ns, "ten-open", "kube-system");
    r.getSpec().pullSecrets.namespaceSelector = new io.fabric8.kubernetes.api.model
        .LabelSelectorBuilder().addToMatchLabels("team", "x").build();
    cluster.client.resource(r).create();
    String name = PullRobot.pullSecretName(r);

    await().untilAsserted(() -> {
      assertThat(get(Secret.class, ns, name)).isNotNull();
      assertThat(get(Secret.class, "ten-open", name)).isNotNull();
      var refused = condition(ns, "reg", ConditionTypes.PULL_SECRET_TARGETS_REFUSED);
      assertThat(refused.getStatus()).isEqualTo("True");
      assertThat(refused.getReason()).isEqualTo("TargetsRefused");
      assertThat(refused.getMessage()).contains("kube-system (not open to pull secrets",
          "ten-closed (not open to pull secrets").doesNotContain("ten-open");
    });
    await().untilAsserted(() -> {
      assertThat(get(Secret.class, "ten-open", oldName)).isNull();
      assertThat(get(ServiceAccount.class, "ten-open", "default").getImagePullSecrets())
          .extracting(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
          .containsExactly(name);
    });
    assertThat(get(Secret.class, "kube-system", name)).isNull();
    assertThat(get(Secret.class, "ten-closed", name)).isNull();
    assertThat(get(ServiceAccount.class, "kube-system", "default").getImagePullSecrets())
        .isNullOrEmpty();

    // the author drops the refused ones: the warning clears and names where the secrets are
    await().untilAsserted(() -> {
      var current = get(SecureRegistry.class, ns, "reg");
      current.getSpec().pullSecrets.namespaces = List.of("ten-open");
      current.getSpec().pullSecrets.namespaceSelector = null;
      cluster.client.resource(current).update();
    });
    await().untilAsserted(() -> {
      var c = condition(ns, "reg", ConditionTypes.PULL_SECRET_TARGETS_REFUSED);
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getMessage()).isEqualTo("pull secrets in ten-open");
      assertThat(get(Secret.class, ns, name)).isNull();
    });
  }
}
