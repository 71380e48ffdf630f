package dev.portcullis.operator.nodetrust;

import dev.portcullis.operator.testsupport.clients.ClusterNode;
import static dev.portcullis.operator.testsupport.Registries.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.health.HttpsHealthProber;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.NodeTrustModel;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.testsupport.FakeCertManager;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Mutual TLS and node trust end to end: the operator (on the mock API server with the fake
 * cert-manager) issues the client certificates and publishes the node-trust list; then what it
 * published drives real processes: the registry jar serves with the operator's config.yml and the
 * cert-manager Secret, skopeo pushes with the CI client certificate, the node agent writes a
 * folder standing for /etc/containerd/certs.d from the ConfigMap and the Secret (as the DaemonSet
 * mounts them), and a real containerd pulls through it. Deleting the registry empties the list and
 * the agent removes the entry.
 */
class NodeTrustContainerdTest extends MockClusterTest {

  static final String AGENT_NS = NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE;

  static SecureRegistry mutualTlsWithNodeTrust(String ns, int nodePort) {
    var r = Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.MutualTLS);
    var ci = new TlsSpec.ClientCertificate();
    ci.name = "ci";
    ci.commonName = "ci-pipeline";
    r.getSpec().tls.clientCertificates = List.of(ci);
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.type = ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = nodePort;
    return r;
  }

  @Test
  void operatorIssuesClientCertificatesAndPublishesNodeTrust() throws Exception {
    String ns = "nt-objects";
    cluster.client.resource(mutualTlsWithNodeTrust(ns, 30123)).create();

    await().untilAsserted(() -> {
      assertThat(get(Certificate.class, ns, "reg-client-ci").getSpec().getCommonName())
          .isEqualTo("ci-pipeline");
      assertThat(get(Certificate.class, ns, "reg-client-nodes").getSpec().getUsages())
          .contains("client auth");
      assertThat(get(Secret.class, AGENT_NS, Names.NODE_TRUST_SECRET).getData())
          .containsKeys(ns + ".reg.crt", ns + ".reg.key");
      assertThat(get(DaemonSet.class, AGENT_NS, Names.NODE_AGENT)).isNotNull();
    });
    var nodes = get(Secret.class, ns, "reg-client-nodes");
    var copy = get(Secret.class, AGENT_NS, Names.NODE_TRUST_SECRET);
    assertThat(decode(copy, ns + ".reg.key")).isEqualTo(decode(nodes, "tls.key"));
    String yaml = get(ConfigMap.class, AGENT_NS, Names.NODE_TRUST_CONFIGMAP).getData()
        .get(NodeTrustModel.REGISTRIES_KEY);
    assertThat(yaml).contains("reg." + ns + ".svc:5000", "localhost:30123",
        decode(get(Secret.class, ns, "reg-tls"), "ca.crt").lines().findFirst().orElseThrow());
    // the client certificates chain to the CA the registry asks for
    var ca = FakeCertManager.readCert(decode(get(Secret.class, ns, "reg-tls"), "ca.crt"));
    FakeCertManager.readCert(decode(nodes, "tls.crt")).verify(ca.getPublicKey());
    assertThat((String) new Yaml().<Map<String, Object>>load(
        get(ConfigMap.class, ns, "reg-config").getData().get(RegistryConfig.KEY)).toString())
        .contains("clientcas");

    // a renewal of the nodes' certificate reaches the copy
    cluster.certManager().renew(ns, "reg-client-nodes");
    await().untilAsserted(() -> assertThat(decode(get(Secret.class, AGENT_NS,
        Names.NODE_TRUST_SECRET), ns + ".reg.key")).isEqualTo(
            decode(get(Secret.class, ns, "reg-client-nodes"), "tls.key")));

    // the entry leaves with the registry (finalizer), the DaemonSet stays for the others
    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").delete();
    await().untilAsserted(() -> {
      assertThat(get(ConfigMap.class, AGENT_NS, Names.NODE_TRUST_CONFIGMAP).getData()
          .get(NodeTrustModel.REGISTRIES_KEY)).doesNotContain(ns + "/reg");
      var data = get(Secret.class, AGENT_NS, Names.NODE_TRUST_SECRET).getData();
      assertThat(data == null ? Map.of() : data).doesNotContainKey(ns + ".reg.key");
      assertThat(get(SecureRegistry.class, ns, "reg")).isNull();
    });
  }

  @Test
  void containerdPullsThroughWhatTheNodeAgentWroteFromThePublishedList() throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar), "build the registry jar first: " + jar);
    assumeTrue(Tools.onPath("skopeo") && Tools.onPath("containerd") && Tools.onPath("ctr"),
        "skopeo, containerd and ctr are needed");
    String ns = "nt-real";
    int port = Tools.freePortIn(30200, 32700);
    cluster.client.resource(mutualTlsWithNodeTrust(ns, port)).create();
    await().untilAsserted(() -> {
      assertThat(get(Secret.class, ns, "reg-client-ci")).isNotNull();
      assertThat(get(ConfigMap.class, AGENT_NS, Names.NODE_TRUST_CONFIGMAP).getData()
          .get(NodeTrustModel.REGISTRIES_KEY)).contains("localhost:" + port);
      assertThat(get(Secret.class, AGENT_NS, Names.NODE_TRUST_SECRET).getData())
          .containsKey(ns + ".reg.key");
    });

    // the registry pod: the operator's config.yml and the cert-manager Secret, as mounted
    Path tls = Tools.writeSecret(get(Secret.class, ns, "reg-tls"), dir.resolve("tls"));
    Path configFile = dir.resolve("config.yml");
    int debug = Tools.writeRegistryConfig(get(ConfigMap.class, ns, "reg-config").getData()
        .get(RegistryConfig.KEY), Map.of(RegistryConfig.TLS_DIR, tls, RegistryConfig.DATA_DIR,
        dir.resolve("data")), port, configFile);

    try (var registry = Tools.start(dir.resolve("registry.log"), "java", "-Xmx256m", "-jar",
        jar.toString(), "serve", configFile.toString())) {
      Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", registry);

      // the operator's health probe: /readyz over mutual TLS with its probe certificate
      var probeSecret = get(Secret.class, ns, "reg-client-probe");
      var caPem = decode(get(Secret.class, ns, "reg-tls"), "ca.crt");
      var prober = new HttpsHealthProber(java.time.Clock.systemUTC(), Duration.ofSeconds(5));
      var url = java.net.URI.create("https://localhost:" + port + "/readyz");
      var health = prober.probe(new HealthProber.Target(url, caPem,
          java.util.Optional.of(decode(probeSecret, "tls.crt")),
          java.util.Optional.of(decode(probeSecret, "tls.key"))));
      assertThat(health.status).as(health.message).isEqualTo("ok");
      assertThat(health.checks).extracting(c -> c.name).isNotEmpty();
      assertThat(health.latencyMillis).isNotNull();
      var refused = prober.probe(new HealthProber.Target(url, caPem, java.util.Optional.empty(),
          java.util.Optional.empty()));
      assertThat(refused.status).isEqualTo("unreachable");

      // a CI pipeline pushes with its client certificate; without one the handshake fails
      Path ci = Tools.writeSecret(get(Secret.class, ns, "reg-client-ci"), dir.resolve("ci-secret"));
      Path certDir = Files.createDirectories(dir.resolve("ci-certs"));
      Files.copy(ci.resolve("ca.crt"), certDir.resolve("ca.crt"));
      Files.copy(ci.resolve("tls.crt"), certDir.resolve("client.cert"));
      Files.copy(ci.resolve("tls.key"), certDir.resolve("client.key"));
      Path image = OciLayout.write(dir.resolve("image"), "v1");
      String ref = "localhost:" + port + "/team/app:v1";
      Tools.run(dir, List.of("skopeo", "--tmpdir", dir.toString(), "copy",
          "--dest-cert-dir", certDir.toString(), "oci:" + image + ":v1", "docker://" + ref))
          .assertOk();
      Path caOnly = Files.createDirectories(dir.resolve("ca-only"));
      Files.copy(ci.resolve("ca.crt"), caOnly.resolve("ca.crt"));
      assertThat(Tools.run(dir, List.of("skopeo", "inspect", "--raw", "--cert-dir",
          caOnly.toString(), "docker://" + ref)).exit()).isNotZero();

      // the node: the DaemonSet's two volumes, then the agent once
      Path source = Files.createDirectories(dir.resolve("node-trust"));
      Path clients = Tools.writeSecret(get(Secret.class, AGENT_NS, Names.NODE_TRUST_SECRET),
          dir.resolve("node-client"));
      Files.writeString(source.resolve(NodeTrustModel.REGISTRIES_KEY),
          get(ConfigMap.class, AGENT_NS, Names.NODE_TRUST_CONFIGMAP).getData()
              .get(NodeTrustModel.REGISTRIES_KEY)
              .replace(NodeTrustModel.CLIENT_DIR, clients.toString()));
      Path certsD = dir.resolve("certs.d");
      Tools.run(dir, List.of("java", "-jar", jar.toString(), "node-agent", "--source",
          source.toString(), "--containerd", certsD.toString(), "--once")).assertOk();
      Path entry = certsD.resolve("localhost:" + port);
      assertThat(entry.resolve("hosts.toml")).exists();
      assertThat(certsD.resolve("reg." + ns + ".svc:5000").resolve("hosts.toml")).exists();

      // no proxy: the node reaches the registry through what the agent wrote, nothing else
      try (var node = ClusterNode.start(null)) {
        node.pull(ref, certsD, null).orThrow();
        assertThat(node.imageDigest(ref)).startsWith("sha256:");
      }

      // the registry is deleted: the list empties, the agent removes what it wrote
      cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").delete();
      await().untilAsserted(() -> assertThat(get(ConfigMap.class, AGENT_NS,
          Names.NODE_TRUST_CONFIGMAP).getData().get(NodeTrustModel.REGISTRIES_KEY))
          .doesNotContain(ns + "/reg"));
      Files.writeString(source.resolve(NodeTrustModel.REGISTRIES_KEY),
          get(ConfigMap.class, AGENT_NS, Names.NODE_TRUST_CONFIGMAP).getData()
              .get(NodeTrustModel.REGISTRIES_KEY));
      Tools.run(dir, List.of("java", "-jar", jar.toString(), "node-agent", "--source",
          source.toString(), "--containerd", certsD.toString(), "--once")).assertOk();
      assertThat(entry).doesNotExist();
    }
  }
}
