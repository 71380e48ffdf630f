package dev.portcullis.operator.nodetrust;

import static dev.portcullis.operator.testsupport.Registries.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.ProxySpec;
import dev.portcullis.operator.api.ProxyUpstreamSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.NodeTrustModel;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.clients.ClusterNode;
import dev.portcullis.operator.tenancy.TenancySettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Issue 20 item 4, the node's journey: the operator (mock API server, fake cert-manager, the admin
 * allowing docker.io) turns spec.proxy into the registry's config, mounts and the node-trust list;
 * then real processes run what it published. A Distribution 2.8.2 with TLS and htpasswd stands for
 * docker.io; the registry jar serves the operator's config.yml with the Secrets laid out as the
 * Deployment's projected volume says; the node agent writes certs.d from the published list; and
 * a real containerd pulls {@code docker.io/library/app:v1}, a name with nothing of the cache in
 * it, through the cache the agent named as docker.io's mirror.
 */
class PullThroughCacheNodeTest {

  static MockCluster cluster;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    org.awaitility.Awaitility.setDefaultTimeout(java.time.Duration.ofSeconds(30));
    org.awaitility.Awaitility.ignoreExceptionsByDefault();
    cluster = new MockCluster(true, TenancySettings.from(Map.of(
        TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV, "docker.io"))).startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T get(Class<T> type, String ns,
      String name) {
    return cluster.client.resources(type).inNamespace(ns).withName(name).get();
  }

  @Test
  void containerdPullsADockerHubNameThroughTheCacheTheOperatorConfigured() throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar), "build the registry jar first: " + jar);
    assumeTrue(Tools.onPath("skopeo") && Tools.onPath("containerd") && Tools.onPath("ctr")
        && Files.isExecutable(Path.of("/usr/bin/docker-registry")) && Tools.onPath("openssl"),
        "skopeo, containerd, ctr, docker-registry and openssl are needed");

    // docker.io's stand-in: TLS from a CA of its own, an account the cache must use
    Path hubDir = Files.createDirectories(dir.resolve("hub"));
    Tools.run(dir, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=hub", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", hubDir.resolve("hub.key").toString(),
        "-out", hubDir.resolve("hub.crt").toString())).assertOk();
    String hubPassword = "hub-" + java.util.UUID.randomUUID();
    Files.writeString(hubDir.resolve("htpasswd"),
        "puller:" + BCrypt.hashpw(hubPassword, BCrypt.gensalt(10)) + "\n");
    int hubPort = Tools.freePortIn(20000, 29000);
    Files.writeString(hubDir.resolve("config.yml"), """
        version: 0.1
        log: {level: info}
        storage: {filesystem: {rootdirectory: %s}}
        http: {addr: "127.0.0.1:%d", tls: {certificate: %s, key: %s}}
        auth: {htpasswd: {realm: hub, path: %s}}
        """.formatted(hubDir.resolve("data"), hubPort, hubDir.resolve("hub.crt"),
        hubDir.resolve("hub.key"), hubDir.resolve("htpasswd")));
    String hubCa = Files.readString(hubDir.resolve("hub.crt"));

    String ns = "ptc";
    int port = Tools.freePortIn(30200, 32700);
    cluster.client.resource(Registries.secret(ns, "hub-creds",
        Map.of("username", "puller", "password", hubPassword))).create();
    cluster.client.resource(Registries.secret(ns, "hub-ca", Map.of("ca.crt", hubCa))).create();
    SecureRegistry r = NodeTrustContainerdTest.mutualTlsWithNodeTrust(ns, port);
    ProxyUpstreamSpec hub = Registries.upstream("docker.io", "https://127.0.0.1:" + hubPort);
    hub.credentialsSecretRef = new ProxyUpstreamSpec.CredentialsSecretRef();
    hub.credentialsSecretRef.name = "hub-creds";
    hub.caSecretRef = new AuthSpec.SecretKeyRef();
    hub.caSecretRef.name = "hub-ca";
    r.getSpec().proxy = new ProxySpec();
    r.getSpec().proxy.upstreams = List.of(hub);
    cluster.client.resource(r).create();

    await().untilAsserted(() -> {
      assertThat(get(ConfigMap.class, ns, "reg-config").getData().get(RegistryConfig.KEY))
          .contains("upstreams");
      assertThat(get(Deployment.class, ns, Names.deployment(r))).isNotNull();
      assertThat(get(ConfigMap.class, NodeTrustContainerdTest.AGENT_NS,
          Names.NODE_TRUST_CONFIGMAP).getData().get(NodeTrustModel.REGISTRIES_KEY))
          .contains("localhost:" + port, "mirrors", "docker.io");
      assertThat(get(Secret.class, NodeTrustContainerdTest.AGENT_NS, Names.NODE_TRUST_SECRET)
          .getData()).containsKey(ns + ".reg.key");
    });
    String operatorConfig = get(ConfigMap.class, ns, "reg-config").getData()
        .get(RegistryConfig.KEY);
    assertThat(operatorConfig).doesNotContain(hubPassword).doesNotContain("puller");

    // the pod's volumes: each projected Secret item at its path under its mount
    var pod = get(Deployment.class, ns, Names.deployment(r)).getSpec().getTemplate().getSpec();
    var mounts = new HashMap<String, Path>();
    mounts.put(RegistryConfig.TLS_DIR, Tools.writeSecret(get(Secret.class, ns, "reg-tls"),
        dir.resolve("tls")));
    mounts.put(RegistryConfig.DATA_DIR, dir.resolve("data"));
    for (var mount : pod.getContainers().get(0).getVolumeMounts()) {
      var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
          .findFirst().orElseThrow();
      if (volume.getProjected() == null) {
        continue;
      }
      Path folder = Files.createDirectories(dir.resolve("mounts").resolve(mount.getName()));
      for (var source : volume.getProjected().getSources()) {
        Secret secret = get(Secret.class, ns, source.getSecret().getName());
        for (var item : source.getSecret().getItems()) {
          Files.writeString(folder.resolve(item.getPath()), decode(secret, item.getKey()));
        }
      }
      mounts.put(mount.getMountPath(), folder);
    }
    assertThat(mounts).containsKey("/etc/portcullis/proxy/0");
    Path configFile = dir.resolve("config.yml");
    int debug = Tools.writeRegistryConfig(operatorConfig, mounts, port, configFile);

    Path image = OciLayout.write(dir.resolve("image"), "v1");
    Path hubCerts = Files.createDirectories(dir.resolve("hub-certs"));
    Files.writeString(hubCerts.resolve("ca.crt"), hubCa);
    try (var upstream = Tools.start(dir.resolve("hub.log"), "/usr/bin/docker-registry", "serve",
            hubDir.resolve("config.yml").toString());
        var registry = Tools.start(dir.resolve("registry.log"), "java", "-Xmx256m", "-jar",
            jar.toString(), "serve", configFile.toString())) {
      await().untilAsserted(() -> Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(),
          "copy", "--dest-cert-dir", hubCerts.toString(), "--dest-creds", "puller:" + hubPassword,
          "oci:" + image + ":v1", "docker://127.0.0.1:" + hubPort + "/library/app:v1"))
          .assertOk());
      Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", registry);

      // the node: the DaemonSet's two volumes, then the agent once
      Path source = Files.createDirectories(dir.resolve("node-trust"));
      Path clients = Tools.writeSecret(get(Secret.class, NodeTrustContainerdTest.AGENT_NS,
          Names.NODE_TRUST_SECRET), dir.resolve("node-client"));
      Files.writeString(source.resolve(NodeTrustModel.REGISTRIES_KEY),
          get(ConfigMap.class, NodeTrustContainerdTest.AGENT_NS, Names.NODE_TRUST_CONFIGMAP)
              .getData().get(NodeTrustModel.REGISTRIES_KEY)
              .replace(NodeTrustModel.CLIENT_DIR, clients.toString()));
      Path certsD = dir.resolve("certs.d");
      Tools.run(dir, List.of("java", "-jar", jar.toString(), "node-agent", "--source",
          source.toString(), "--containerd", certsD.toString(), "--once")).assertOk();
      String hostsToml = Files.readString(certsD.resolve("docker.io").resolve("hosts.toml"));
      assertThat(hostsToml).contains("server = \"https://127.0.0.1:" + hubPort + "\"",
          "[host.\"https://localhost:" + port + "\"]", "client = [[\"client.crt\", \"client.key\"]]");

      String ref = "docker.io/library/app:v1";
      try (var node = ClusterNode.start(null)) {
        node.pull(ref, certsD, null).orThrow();
        assertThat(node.imageDigest(ref)).startsWith("sha256:");
      }
      // through the cache (stored under the upstream's name), with the account from the Secret
      assertThat(dir.resolve("data/docker/registry/v2/repositories/docker.io/library/app"))
          .isDirectory();
      assertThat(upstream.output()).contains("puller");
      assertThat(registry.output()).doesNotContain(hubPassword);
    }
  }
}
