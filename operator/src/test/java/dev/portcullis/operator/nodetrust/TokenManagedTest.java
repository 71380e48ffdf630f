package dev.portcullis.operator.nodetrust;

import static dev.portcullis.operator.testsupport.Registries.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.model.TokenIssuerModel;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Token mode with the managed issuer: the operator's objects on the mock cluster, then the
 * auth-server and registry jars run with exactly the configs and Secrets it produced; skopeo logs
 * in through the token dance and the ACL decides who pushes.
 */
class TokenManagedTest extends MockClusterTest {

  static AuthSpec.User user(String name) {
    var u = new AuthSpec.User();
    u.username = name;
    u.passwordSecretRef = new SecretKeySelector("password", name + "-password", null);
    return u;
  }

  static AuthSpec.AclEntry acl(String account, String... actions) {
    var e = new AuthSpec.AclEntry();
    e.match = new AuthSpec.AclMatch();
    e.match.account = account;
    e.actions = List.of(actions);
    return e;
  }

  @Test
  void managedIssuerObjectsAndATokenDanceThroughTheAcl() throws Exception {
    String ns = "tok1";
    int authPort = Tools.freePortIn(20000, 29000);
    int port = Tools.freePortIn(30200, 32700);
    cluster.client.resource(Registries.password(ns, "ci", "ci-Passw0rd-1")).create();
    cluster.client.resource(Registries.password(ns, "reader", "reader-Passw0rd-1")).create();
    var r = Registries.basic(ns, "reg");
    r.getSpec().host = List.of("localhost");
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.issuer = AuthSpec.Token.Issuer.Managed;
    var m = new AuthSpec.Managed();
    m.users = List.of(user("ci"), user("reader"));
    m.acl = List.of(acl("ci", "*"), acl("reader", "pull"));
    m.tokenLifetime = "10m";
    m.realm = "https://localhost:" + authPort + "/auth";
    r.getSpec().auth.token.managed = m;
    // a pull secret in Token mode: the robot is an ACL entry (pull) of the issuer
    r.getSpec().pullSecrets = new dev.portcullis.operator.api.PullSecretsSpec();
    r.getSpec().pullSecrets.namespaces = List.of("tok1-app");
    // the pull secret names localhost:<nodePort> among the registry's addresses
    r.getSpec().service = new dev.portcullis.operator.api.ServiceSpec();
    r.getSpec().service.type = dev.portcullis.operator.api.ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = port;
    cluster.client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName("tok1-app").withLabels(dev.portcullis.operator.testsupport.MockCluster
            .OPEN_TO_PULL_SECRETS).endMetadata().build()).create();
    cluster.client.resource(r).create();

    await().untilAsserted(() -> {
      assertThat(get(Deployment.class, ns, "reg-auth").getSpec().getTemplate().getSpec()
          .getContainers().get(0).getArgs()).containsExactly("auth-server",
              "/etc/portcullis/auth-server/config.yml");
      assertThat(get(Service.class, ns, "reg-auth")).isNotNull();
      assertThat(get(Certificate.class, ns, "reg-auth-tls").getSpec().getDnsNames())
          .contains("reg-auth." + ns + ".svc", "localhost");
      assertThat(get(Certificate.class, ns, "reg-token-signing")).isNotNull();
      assertThat(get(Secret.class, ns, "reg-auth-tls")).isNotNull();
      assertThat(get(Secret.class, ns, "reg-token-signing")).isNotNull();
      assertThat(get(Secret.class, ns, "reg-tls")).isNotNull();
      assertThat(decode(get(Secret.class, ns, Names.htpasswdSecret(r)),
          RegistryConfig.HTPASSWD_KEY)).contains("ci:$2y$", "reader:$2y$");
      assertThat(get(ConfigMap.class, ns, "reg-auth-config").getData().get("config.yml"))
          .contains("account: portcullis-pull");
      assertThat(get(Secret.class, "tok1-app",
          dev.portcullis.operator.model.PullRobot.pullSecretName(r))).isNotNull();
    });
    // the registry mounts only the CA of the signing Secret, never its key
    var tokenVolume = get(Deployment.class, ns, "reg").getSpec().getTemplate().getSpec()
        .getVolumes().stream().filter(v -> v.getName().equals("token")).findFirst().orElseThrow();
    assertThat(tokenVolume.getSecret().getItems()).singleElement()
        .satisfies(i -> assertThat(i.getKey()).isEqualTo("ca.crt"));

    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar) && Tools.onPath("skopeo"), "needs the registry jar and skopeo");
    Path authTls = Tools.writeSecret(get(Secret.class, ns, "reg-auth-tls"), dir.resolve("a-tls"));
    Path signing = Tools.writeSecret(get(Secret.class, ns, "reg-token-signing"),
        dir.resolve("signing"));
    Path users = Tools.writeSecret(get(Secret.class, ns, Names.htpasswdSecret(r)),
        dir.resolve("users"));
    Path tls = Tools.writeSecret(get(Secret.class, ns, "reg-tls"), dir.resolve("tls"));
    Path token = Files.createDirectories(dir.resolve("token"));
    Files.copy(signing.resolve("ca.crt"), token.resolve("ca.crt"));
    String authConfig = get(ConfigMap.class, ns, "reg-auth-config").getData().get("config.yml")
        .replace(TokenIssuerModel.TLS_DIR, authTls.toString())
        .replace(TokenIssuerModel.SIGNING_DIR, signing.toString())
        .replace(TokenIssuerModel.USERS_DIR, users.toString())
        .replace("addr: :" + TokenIssuerModel.PORT, "addr: 127.0.0.1:" + authPort);
    Path authConfigFile = dir.resolve("auth.yml");
    Files.writeString(authConfigFile, authConfig);
    assertThat(authConfig).contains("127.0.0.1:" + authPort);

    Path configFile = dir.resolve("config.yml");
    int debug = Tools.writeRegistryConfig(get(ConfigMap.class, ns, "reg-config").getData()
        .get(RegistryConfig.KEY), Map.of(RegistryConfig.TLS_DIR, tls, RegistryConfig.TOKEN_DIR,
        token, RegistryConfig.DATA_DIR, dir.resolve("data")), port, configFile);

    Path certDir = Files.createDirectories(dir.resolve("certs"));
    Files.copy(tls.resolve("ca.crt"), certDir.resolve("ca.crt"));
    Path image = OciLayout.write(dir.resolve("image"), "v1");
    try (var auth = Tools.start(dir.resolve("auth.log"), "java", "-Xmx128m", "-jar",
            jar.toString(), "auth-server", authConfigFile.toString());
        var registry = Tools.start(dir.resolve("registry.log"), "java", "-Xmx256m", "-jar",
            jar.toString(), "serve", configFile.toString())) {
      Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", registry);
      awaitPort(authPort, auth);
      String ref = "docker://localhost:" + port + "/ci/app:v1";
      var push = Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy",
          "--dest-cert-dir", certDir.toString(), "--dest-creds", "ci:ci-Passw0rd-1",
          "oci:" + image + ":v1", ref));
      assertThat(push.exit()).as(push.output() + "\nauth:\n" + auth.output() + "\nregistry:\n"
          + registry.output()).isZero();
      Tools.run(dir, List.of("skopeo", "inspect", "--raw", "--cert-dir", certDir.toString(),
          "--creds", "reader:reader-Passw0rd-1", ref)).assertOk();
      var refused = Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy",
          "--dest-cert-dir", certDir.toString(), "--dest-creds", "reader:reader-Passw0rd-1",
          "oci:" + image + ":v1", "docker://localhost:" + port + "/ci/app:reader"));
      assertThat(refused.exit()).as(refused.output()).isNotZero();
      assertThat(Tools.run(dir, List.of("skopeo", "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--creds", "reader:wrong", ref)).exit()).isNotZero();
      // the pull secret as an auth file: pulls through the token dance, cannot push
      Path authfile = dir.resolve("pull-secret.json");
      Files.writeString(authfile, decode(get(Secret.class, "tok1-app",
          dev.portcullis.operator.model.PullRobot.pullSecretName(r)), ".dockerconfigjson"));
      Tools.run(dir, List.of("skopeo", "inspect", "--raw", "--cert-dir", certDir.toString(),
          "--authfile", authfile.toString(), ref)).assertOk();
      assertThat(Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy",
          "--dest-cert-dir", certDir.toString(), "--dest-authfile", authfile.toString(),
          "oci:" + image + ":v1", "docker://localhost:" + port + "/ci/app:robot")).exit())
          .isNotZero();
    }
  }

  private static void awaitPort(int port, Tools.Running process) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.process().isAlive()) {
        throw new AssertionError("auth-server exited:\n" + process.output());
      }
      try (var s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError("auth-server not listening:\n" + process.output());
  }
}
