package dev.portcullis.operator.nodetrust;

import static dev.portcullis.operator.testsupport.Registries.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.PullSecretsSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.PullRobot;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pull secrets with a pull-only robot (Htpasswd mode): the operator writes a dockerconfigjson
 * Secret in the selected namespaces, attaches it to the ServiceAccounts, removes it when a
 * namespace leaves the selection and when the registry goes; its credentials pull from the real
 * registry (jar, with the operator's config and htpasswd file) with skopeo and cannot push.
 */
class PullSecretsTest extends MockClusterTest {

  static void namespace(String name, Map<String, String> labels) {
    var all = new java.util.HashMap<>(labels);
    all.putAll(MockCluster.OPEN_TO_PULL_SECRETS);
    cluster.client.resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(all).endMetadata().build()).create();
    cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
        .withNamespace(name).endMetadata().build()).create();
  }

  static List<String> pullSecretsOf(String ns, String sa) {
    var a = get(ServiceAccount.class, ns, sa);
    return a == null || a.getImagePullSecrets() == null ? List.of()
        : a.getImagePullSecrets().stream().map(LocalObjectReference::getName).toList();
  }

  @Test
  void pullSecretsFollowTheSelectionAndTheRobotPullsButCannotPush() throws Exception {
    String ns = "ps-reg";
    namespace("ps-app1", Map.of());
    namespace("ps-app2", Map.of("team", "a"));
    namespace("ps-app3", Map.of("team", "b"));
    int port = Tools.freePortIn(30200, 32700);
    cluster.client.resource(Registries.password(ns, "admin", "admin-Passw0rd")).create();
    var r = Registries.tls(Registries.htpasswd(ns, "reg", "admin"), TlsSpec.Mode.TLS);
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.type = ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = port;
    r.getSpec().pullSecrets = new PullSecretsSpec();
    r.getSpec().pullSecrets.namespaces = List.of("ps-app1");
    r.getSpec().pullSecrets.namespaceSelector = new LabelSelectorBuilder()
        .addToMatchLabels("team", "a").build();
    cluster.client.resource(r).create();

    String name = PullRobot.pullSecretName(r);
    assertThat(name).startsWith("portcullis-ps-reg-reg-pull-");
    await().untilAsserted(() -> {
      assertThat(get(Secret.class, "ps-app1", name).getType())
          .isEqualTo("kubernetes.io/dockerconfigjson");
      assertThat(get(Secret.class, "ps-app2", name)).isNotNull();
      assertThat(pullSecretsOf("ps-app1", "default")).containsExactly(name);
      assertThat(pullSecretsOf("ps-app2", "default")).containsExactly(name);
      assertThat(get(Secret.class, ns, "reg-tls")).isNotNull();
      assertThat(get(Secret.class, ns, "reg-htpasswd")).isNotNull();
    });
    assertThat(get(Secret.class, "ps-app3", name)).isNull();
    String robot = decode(get(Secret.class, ns, PullRobot.secretName(r)), "password");
    String htpasswd = decode(get(Secret.class, ns, "reg-htpasswd"), RegistryConfig.HTPASSWD_KEY);
    assertThat(htpasswd).contains(PullRobot.USERNAME + ":$2y$", "admin:$2y$");
    String config = get(ConfigMap.class, ns, "reg-config").getData().get(RegistryConfig.KEY);
    assertThat(config).contains("pullonly");
    String dockerConfig = decode(get(Secret.class, "ps-app1", name), ".dockerconfigjson");
    assertThat(dockerConfig).contains("localhost:" + port, "reg.ps-reg.svc:5000", robot);

    realRegistryAcceptsPullsOnly(ns, port, config, htpasswd, dockerConfig);

    // a namespace leaving the spec loses its pull secret and the ServiceAccount's reference
    await().untilAsserted(() -> { // retried on conflicts with the operator's status writes
      var current = get(SecureRegistry.class, ns, "reg");
      current.getSpec().pullSecrets.namespaces = List.of();
      cluster.client.resource(current).update();
    });
    await().untilAsserted(() -> {
      assertThat(get(Secret.class, "ps-app1", name)).isNull();
      assertThat(pullSecretsOf("ps-app1", "default")).isEmpty();
    });
    assertThat(get(Secret.class, "ps-app2", name)).isNotNull();

    // deleting the registry removes the rest; the users' Secrets stay
    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").delete();
    await().untilAsserted(() -> {
      assertThat(get(Secret.class, "ps-app2", name)).isNull();
      assertThat(pullSecretsOf("ps-app2", "default")).isEmpty();
      assertThat(get(SecureRegistry.class, ns, "reg")).isNull();
    });
    assertThat(get(Secret.class, ns, "admin-password")).isNotNull();
  }

  private void realRegistryAcceptsPullsOnly(String ns, int port, String config, String htpasswd,
      String dockerConfig) throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    if (!Files.exists(jar) || !Tools.onPath("skopeo")) {
      assumeTrue(false, "needs the registry jar and skopeo");
    }
    Path tls = Tools.writeSecret(get(Secret.class, ns, "reg-tls"), dir.resolve("tls"));
    Path auth = Files.createDirectories(dir.resolve("auth"));
    Files.writeString(auth.resolve(RegistryConfig.HTPASSWD_KEY), htpasswd);
    Path configFile = dir.resolve("config.yml");
    int debug = Tools.writeRegistryConfig(config, Map.of(RegistryConfig.TLS_DIR, tls,
        RegistryConfig.AUTH_DIR, auth, RegistryConfig.DATA_DIR, dir.resolve("data")), port,
        configFile);
    Path certDir = Files.createDirectories(dir.resolve("certs"));
    Files.copy(tls.resolve("ca.crt"), certDir.resolve("ca.crt"));
    Path authfile = dir.resolve("pull-secret.json");
    Files.writeString(authfile, dockerConfig);
    String ref = "docker://localhost:" + port + "/team/app:v1";
    Path image = OciLayout.write(dir.resolve("image"), "v1");

    try (var registry = Tools.start(dir.resolve("registry.log"), "java", "-Xmx256m", "-jar",
        jar.toString(), "serve", configFile.toString())) {
      Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", registry);
      Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy", "--dest-cert-dir",
          certDir.toString(), "--dest-creds", "admin:admin-Passw0rd", "oci:" + image + ":v1", ref))
          .assertOk();
      // the pull secret, used as kubelet would (it is an auth file): pulls work
      var inspect = Tools.run(dir, List.of("skopeo", "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--authfile", authfile.toString(), ref)).assertOk();
      assertThat(inspect.output()).contains("schemaVersion");
      Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy", "--src-cert-dir",
          certDir.toString(), "--src-authfile", authfile.toString(), ref,
          "oci:" + dir.resolve("pulled") + ":v1")).assertOk();
      // and a push with the same credentials is refused
      var push = Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy",
          "--dest-cert-dir", certDir.toString(), "--dest-authfile", authfile.toString(),
          "oci:" + image + ":v1", "docker://localhost:" + port + "/team/app:robot"));
      assertThat(push.exit()).as(push.output()).isNotZero();
      assertThat(push.output().toLowerCase()).containsAnyOf("denied", "unauthorized", "403");
      // without credentials nothing is pulled
      assertThat(Tools.run(dir, List.of("skopeo", "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--no-creds", ref)).exit()).isNotZero();
    }
  }
}
