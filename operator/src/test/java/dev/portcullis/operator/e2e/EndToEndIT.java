package dev.portcullis.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.testsupport.FakeCertManager;
import dev.portcullis.operator.testsupport.InProcessS3;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.clients.ClusterNode;
import dev.portcullis.operator.testsupport.clients.ClusterSkopeo;
import dev.portcullis.operator.testsupport.clients.Exec;
import dev.portcullis.operator.testsupport.kubelet.Kubelet;
import dev.portcullis.operator.testsupport.kubelet.NodePorts;
import dev.portcullis.operator.testsupport.kubelet.ServiceProxy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product end to end, with the cluster played by the test (issue 9): the mock API server in
 * CRUD mode, the operator's real wiring ({@code OperatorMain.start}), the fake cert-manager, and a
 * {@link Kubelet} that runs every Deployment/DaemonSet the operator creates as real
 * {@code java -jar portcullis-registry.jar} processes. Real clients (skopeo) reach them by the
 * Service's DNS name through {@link ServiceProxy} and verify TLS against {@code status.caBundle}.
 *
 * <p>One namespace per journey. A failing journey prints its SecureRegistries' status and the
 * last lines of every registry process's log.
 */
class EndToEndIT {

  static final Path JAR = Path.of("..", "registry-image", "target", "portcullis-registry.jar")
      .toAbsolutePath().normalize();
  /**
   * {@code -Dportcullis.e2e.runtime=containers} (the failsafe execution of {@code -Pe2e-containers}):
   * the kubelet runs each pod from the real registry image under containerd's CRI and runc,
   * instead of as a {@code java -jar} process on the host.
   */
  static final boolean CONTAINERS = "containers".equals(System.getProperty("portcullis.e2e.runtime"));
  static final Path IMAGE = Path.of("..", "registry-image", "target",
      "portcullis-registry-image.tar").toAbsolutePath().normalize();
  /**
   * How long a registry may take to become ready. In containers a pod's start also makes its
   * sandbox and network and mounts the image, and three replicas' JVMs start at once: on a
   * 2-core machine shared with other builds (load average 25) that took over a minute; as
   * processes, at load average 35-45, a registry with its token issuer took 60-70 s.
   */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(
      "containers".equals(System.getProperty("portcullis.e2e.runtime")) ? 180 : 120);

  static MockCluster cluster;
  static final dev.portcullis.operator.gitops.ArgoCdHealthCheck ARGO_CD = argoCd();
  static Kubelet kubelet;
  static dev.portcullis.operator.testsupport.cri.CriRuntime cri;
  /** Services of the test (S3, ...) made reachable from pods in containers mode. */
  static final List<dev.portcullis.operator.testsupport.kubelet.HostRelay> RELAYS =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  static ServiceProxy proxy;
  static NodePorts nodePorts;
  static Path root;
  static volatile String namespace;

  @RegisterExtension
  static final TestWatcher REPORT = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      System.err.println(report());
    }
  };

  @BeforeAll
  static void startCluster() throws Exception {
    Path needed = CONTAINERS ? IMAGE : JAR;
    if (!Files.isRegularFile(needed)) {
      String why = needed + " is missing: " + (CONTAINERS
          ? "mvn -B -Pimages -pl registry-image -DskipTests package"
          : "mvn -pl registry-image -DskipTests package");
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    root = Files.createTempDirectory(Path.of("/tmp"), "pcl-e2e-");
    // the admin's decisions: MockCluster's, and the public names journey 10's cache stands in for
    cluster = new MockCluster(true, dev.portcullis.operator.tenancy.TenancySettings.from(Map.of(
        dev.portcullis.operator.tenancy.TenancySettings.PULL_SECRETS_NAMESPACE_LABELS_ENV,
        "portcullis.dev/pull-secrets=allowed",
        dev.portcullis.operator.tenancy.TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV, "docker.io")));
    // the project's own install: its namespaces with their Pod Security labels, which the
    // kubelet enforces (the node agent in portcullis-node-agent, privileged)
    for (var doc : dev.portcullis.operator.deploy.Kustomize.render("deploy")) {
      if ("Namespace".equals(dev.portcullis.operator.deploy.Kustomize.kind(doc))) {
        cluster.client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
            .withNewMetadata().withName(dev.portcullis.operator.deploy.Kustomize.name(doc))
            .withLabels(dev.portcullis.operator.deploy.Kustomize.labels(doc)).endMetadata()
            .build()).create();
      }
    }
    cluster.startOperator();
    if (CONTAINERS) {
      // the node: its containerd reads the certs.d the node agent writes (hostPath)
      Path certsD = Files.createDirectories(root.resolve("cluster/node/etc/containerd/certs.d"));
      cri = dev.portcullis.operator.testsupport.cri.CriRuntime.start(certsD);
      cri.importImage(IMAGE, dev.portcullis.operator.model.RegistryImage.defaultImage());
      kubelet = new Kubelet(cluster.client, cri, root.resolve("cluster")).start();
    } else {
      kubelet = new Kubelet(cluster.client, JAR, root.resolve("cluster")).start();
    }
    proxy = new ServiceProxy(kubelet);
    nodePorts = new NodePorts(cluster.client, kubelet).start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (nodePorts != null) {
      nodePorts.close();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    for (var relay : RELAYS) {
      relay.close();
    }
    if (cri != null) {
      cri.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    // a failing journey has printed its logs already; -Dportcullis.e2e.keep=true keeps the files
    if (root != null && !Boolean.getBoolean("portcullis.e2e.keep")) {
      try (var walk = Files.walk(root)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static dev.portcullis.operator.gitops.ArgoCdHealthCheck argoCd() {
    try {
      return new dev.portcullis.operator.gitops.ArgoCdHealthCheck();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * {@code url} (a service of the test on the host's loopback) as pods reach it: unchanged for
   * processes on the host, through a relay on the node's address for containers.
   */
  static String podReachable(String url) throws IOException {
    if (!CONTAINERS) {
      return url;
    }
    URI u = URI.create(url);
    var relayed = podReachable(new java.net.InetSocketAddress(u.getHost(), u.getPort()));
    return u.getScheme() + "://" + relayed.getAddress().getHostAddress() + ":"
        + relayed.getPort() + (u.getRawPath() == null ? "" : u.getRawPath());
  }

  /** As {@link #podReachable(String)}, for a service addressed as host and port. */
  static java.net.InetSocketAddress podReachable(java.net.InetSocketAddress address)
      throws IOException {
    if (!CONTAINERS) {
      return address;
    }
    var relay = new dev.portcullis.operator.testsupport.kubelet.HostRelay(
        dev.portcullis.operator.testsupport.cri.CriRuntime.gateway(), address);
    RELAYS.add(relay);
    return relay.address();
  }

  /**
   * The addresses, besides 127.0.0.1, by which pods reach the test's servers (the node's, in
   * containers mode): what the servers' certificates must name too.
   */
  static List<java.net.InetAddress> podSideAddresses() {
    return CONTAINERS ? List.of(dev.portcullis.operator.testsupport.cri.CriRuntime.gateway())
        : List.of();
  }

  // ---- journeys ----

  /** Journey 1: samples/htpasswd.yaml as a user applies it; login, push, pull with the CA from status. */
  @Test
  void journey1_htpasswdSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j1-htpasswd");
    List<HasMetadata> applied = applySample("htpasswd.yaml", ns);
    assertThat(applied).hasSize(2);
    SecureRegistry r = awaitReady(ns, "calculus");
    // status.endpoint is the first spec.host, calculus.lan:5000: a DNS record a user would add
    assertThat(r.getStatus().endpoint).isEqualTo("calculus.lan:5000");
    proxy.alias("calculus.lan", ns, "calculus");

    var skopeo = new ClusterSkopeo(tmp.resolve("skopeo"), proxy.url(), r.getStatus().caBundle);
    String endpoint = r.getStatus().endpoint;
    assertThat(skopeo.login(endpoint, "rackham", "wrong-password").ok())
        .as("a wrong password is refused").isFalse();
    skopeo.login(endpoint, "rackham", "change-me-please").orThrow();
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 2, 0.2, 1);
    skopeo.push(tmp.resolve("image"), "latest", endpoint + "/treasure/map:v1").orThrow();
    skopeo.pull(endpoint + "/treasure/map:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);

    // The in-cluster name works too, with the same certificate (it names the Service).
    String svc = "calculus." + ns + ".svc:5000";
    skopeo.login(svc, "rackham", "change-me-please").orThrow();
    assertThat(skopeo.inspectRaw(svc + "/treasure/map:v1").orThrow().output()).contains("layers");

    // This sample has no nodeTrust: the node is set up as the README tells a user to (a certs.d
    // entry with the CA from status, the user's credentials); journey1_nodeTrustAndPullSecrets
    // has the operator do both.
    Path hostsDir = tmp.resolve("certs.d");
    Path ca = Files.createDirectories(hostsDir.resolve(endpoint)).resolve("ca.crt");
    Files.writeString(ca, r.getStatus().caBundle);
    Files.writeString(hostsDir.resolve(endpoint).resolve("hosts.toml"), """
        server = "https://%1$s"

        [host."https://%1$s"]
          capabilities = ["pull", "resolve"]
          ca = "%2$s"
        """.formatted(endpoint, ca));
    String userPass = "rackham:change-me-please";
    try (var node = ClusterNode.start(proxy.url())) {
      String ref = endpoint + "/treasure/map:v1";
      assertThat(node.pull(ref, hostsDir, null).ok()).as("anonymous node pull refused").isFalse();
      assertNodePulls(node, ref, hostsDir, userPass, digest);
    }
  }

  /**
   * Journey 1, the node side: samples/pull-secrets.yaml. The operator writes pull secrets into the
   * selected namespaces and lists the registry for the node agent; the kubelet runs the agent's
   * DaemonSet, which writes the node's certs.d; containerd pulls with the pull secret's robot
   * through what the agent wrote, by the Service name and by {@code localhost:<nodePort>}.
   */
  @Test
  void journey1_nodeTrustAndPullSecrets(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j1-pull");
    namespaceWithDefaultServiceAccount("shop", Map.of());
    namespaceWithDefaultServiceAccount("shop-eu", Map.of("portcullis.dev/pull-from-nestor", "true"));
    namespaceWithDefaultServiceAccount("unrelated", Map.of());
    applySample("pull-secrets.yaml", ns);
    SecureRegistry r = awaitReady(ns, "nestor");
    String endpoint = "nestor." + ns + ".svc:5000";
    var ci = new ClusterSkopeo(tmp.resolve("ci"), proxy.url(), r.getStatus().caBundle);
    ci.login(endpoint, "ci", "change-me-please").orThrow();
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 2, 0.2, 11);
    ci.push(tmp.resolve("image"), "latest", endpoint + "/shop/app:v1").orThrow();

    // the pull secret: in the listed namespace and the selected one, on their default accounts
    String secretName = dev.portcullis.operator.model.PullRobot.pullSecretName(r);
    await().atMost(READY_TIMEOUT).untilAsserted(() -> {
      for (String app : List.of("shop", "shop-eu")) {
        assertThat(cluster.client.secrets().inNamespace(app).withName(secretName).get())
            .as("pull secret in %s", app).isNotNull();
        assertThat(cluster.client.serviceAccounts().inNamespace(app).withName("default").get()
            .getImagePullSecrets()).extracting(LocalObjectReference::getName)
            .contains(secretName);
      }
    });
    assertThat(cluster.client.secrets().inNamespace("unrelated").withName(secretName).get())
        .isNull();
    Secret pullSecret = cluster.client.secrets().inNamespace("shop").withName(secretName).get();
    String robot = dockerConfigCredentials(pullSecret, endpoint);
    assertThat(dockerConfigCredentials(pullSecret, "localhost:30501")).isEqualTo(robot);

    // the node agent (one DaemonSet per cluster, run here by the kubelet) writes the node's entries
    Path certsD = kubelet.nodeRoot().resolve("etc/containerd/certs.d");
    for (String host : List.of(endpoint, "localhost:30501")) {
      await().atMost(READY_TIMEOUT).until(() -> Files.isRegularFile(
          certsD.resolve(host).resolve("hosts.toml")));
      // relative paths: containerd resolves them in the entry's folder, whatever the agent's mounts
      assertThat(Files.readString(certsD.resolve(host).resolve("hosts.toml")))
          .contains("ca = \"ca.crt\"").doesNotContain("client");
    }
    // the agent ran under its namespace's Pod Security level, and the registry says so
    assertThat(kubelet.pods(NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE,
        dev.portcullis.operator.model.Names.NODE_AGENT)).isNotEmpty();
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(cluster.client
        .resources(SecureRegistry.class).inNamespace(ns).withName("nestor").get().getStatus()
        .condition(dev.portcullis.operator.api.ConditionTypes.NODE_TRUST_DEGRADED)
        .map(c -> c.getStatus() + " " + c.getReason()).orElse(""))
        .isEqualTo("False NodeAgentsReady"));
    assertThat(nodePorts.failures()).as("kube-proxy's NodePort").doesNotContainKey(30501);
    try (var node = ClusterNode.start(proxy.url())) {
      String ref = endpoint + "/shop/app:v1";
      assertThat(node.pull(ref, certsD, null).ok()).as("anonymous node pull refused").isFalse();
      assertNodePulls(node, ref, certsD, robot, digest);
      assertNodePulls(node, "localhost:30501/shop/app:v1", certsD, robot, digest);
    }
    // the robot pulls and never pushes
    var asRobot = new ClusterSkopeo(tmp.resolve("robot"), proxy.url(), r.getStatus().caBundle);
    String[] userPass = robot.split(":", 2);
    asRobot.login(endpoint, userPass[0], userPass[1]).orThrow();
    assertThat(asRobot.inspectRaw(endpoint + "/shop/app:v1").ok()).isTrue();
    Exec.Result push = asRobot.push(tmp.resolve("image"), "latest", endpoint + "/shop/app:robot");
    assertThat(push.ok()).as("the pull robot may not push: %s", push.describe()).isFalse();
  }

  /**
   * Journey 2: samples/mutual-tls.yaml and samples/node-trust.yaml. Without a client certificate
   * nothing gets through; with the operator-issued one a CI pipeline pushes and its name is the
   * identity in the access log; the nodes pull with their own certificate, written by the node
   * agent, through {@code localhost:<nodePort>} and the Service name.
   */
  @Test
  void journey2_mutualTls(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j2-mtls");
    applySample("mutual-tls.yaml", ns);
    SecureRegistry r = awaitReady(ns, "tintin");
    proxy.alias("tintin.lan", ns, "tintin");
    String endpoint = r.getStatus().endpoint;
    assertThat(endpoint).isEqualTo("tintin.lan:5000");
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 2, 0.2, 21);

    var noCertificate = new ClusterSkopeo(tmp.resolve("none"), proxy.url(), r.getStatus().caBundle);
    Exec.Result refused = noCertificate.push(tmp.resolve("image"), "latest",
        endpoint + "/app/web:v1");
    assertThat(refused.ok()).as("a client without a certificate: %s", refused.describe())
        .isFalse();

    var ci = withClientCertificate(tmp.resolve("ci"), ns, "tintin-client-ci",
        r.getStatus().caBundle);
    ci.push(tmp.resolve("image"), "latest", endpoint + "/app/web:v1").orThrow();
    var laptop = withClientCertificate(tmp.resolve("laptop"), ns, "tintin-client-laptop",
        r.getStatus().caBundle);
    laptop.pull(endpoint + "/app/web:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
    assertThat(noCertificate.inspectRaw(endpoint + "/app/web:v1").ok()).isFalse();
    // the certificate's common name is who pushed
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(onlyPod(ns, "tintin").logText()).contains("ci-pipeline"));

    // node trust: the nodes' certificate, the agent's certs.d entries, containerd pulls
    applySample("node-trust.yaml", ns);
    SecureRegistry milou = awaitReady(ns, "milou");
    // the registry serves no user certificate yet: a CI pipeline gets one as a user would, by
    // adding it to the spec
    await().atMost(READY_TIMEOUT).untilAsserted(() -> {
      SecureRegistry current = cluster.client.resources(SecureRegistry.class).inNamespace(ns)
          .withName("milou").get();
      var cert = new TlsSpec.ClientCertificate();
      cert.name = "ci";
      cert.commonName = "ci-pipeline";
      current.getSpec().tls.clientCertificates = List.of(cert);
      cluster.client.resource(current).update();
    });
    await().atMost(READY_TIMEOUT).until(() ->
        cluster.client.secrets().inNamespace(ns).withName("milou-client-ci").get() != null);
    awaitReady(ns, "milou");
    String service = "milou." + ns + ".svc:5000";
    var milouCi = withClientCertificate(tmp.resolve("milou-ci"), ns, "milou-client-ci",
        milou.getStatus().caBundle);
    await().atMost(READY_TIMEOUT).untilAsserted(() -> milouCi.push(tmp.resolve("image"),
        "latest", service + "/team/app:v1").orThrow());

    Path certsD = kubelet.nodeRoot().resolve("etc/containerd/certs.d");
    for (String host : List.of(service, "localhost:30500")) {
      await().atMost(READY_TIMEOUT).until(() -> Files.isRegularFile(
          certsD.resolve(host).resolve("client.key")));
      assertThat(Files.readString(certsD.resolve(host).resolve("hosts.toml")))
          .contains("client = [[\"client.crt\", \"client.key\"]]");
    }
    assertThat(Files.readString(certsD.resolve(service).resolve("client.crt"))).isEqualTo(
        Registries.decode(cluster.client.secrets().inNamespace(ns).withName("milou-client-nodes")
            .get(), "tls.crt"));
    // a node without the certificate: the same entry with the client line removed
    Path bare = tmp.resolve("bare-certs.d");
    Files.createDirectories(bare.resolve(service));
    Files.copy(certsD.resolve(service).resolve("ca.crt"), bare.resolve(service).resolve("ca.crt"));
    Files.writeString(bare.resolve(service).resolve("hosts.toml"),
        Files.readString(certsD.resolve(service).resolve("hosts.toml")).lines()
            .filter(l -> !l.contains("client")).reduce("", (a, b) -> a + b + "\n"));
    // the nodes' certificate sits on every node: it pulls, it never pushes
    var asNode = withClientCertificate(tmp.resolve("as-node"), ns, "milou-client-nodes",
        milou.getStatus().caBundle);
    assertThat(asNode.inspectRaw(service + "/team/app:v1").ok()).isTrue();
    Exec.Result nodePush = asNode.push(tmp.resolve("image"), "latest", service + "/team/app:node");
    assertThat(nodePush.ok()).as("push with the nodes' certificate: %s", nodePush.describe())
        .isFalse();
    assertThat(nodePorts.failures()).as("kube-proxy's NodePort").doesNotContainKey(30500);
    try (var node = ClusterNode.start(proxy.url())) {
      assertThat(node.pull(service + "/team/app:v1", bare, null).ok())
          .as("a node without the nodes' certificate is refused").isFalse();
      for (String ref : List.of("localhost:30500/team/app:v1", service + "/team/app:v1")) {
        assertNodePulls(node, ref, certsD, null, digest);
      }
    }
  }

  /**
   * Journey 3: samples/token-managed.yaml, Docker token authentication through the issuer the
   * operator runs. The realm is a public name (an Ingress on 443 in front of the issuer's Service).
   * The ACL decides: alice pushes only alice/..., reader only pulls, and a ServiceAccount of
   * namespace ci logs in with its token (the TokenReview answered by the API server) and pushes
   * ci/....
   */
  @Test
  void journey3_managedTokenIssuer(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j3-token");
    namespaceWithDefaultServiceAccount("ci", Map.of());
    for (String account : List.of("builder", "tester")) {
      cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName(account)
          .withNamespace("ci").endMetadata().build()).create();
    }
    applySample("token-managed.yaml", ns);
    SecureRegistry r = awaitReady(ns, "haddock");
    proxy.alias("haddock.example.com", ns, "haddock");
    proxy.alias("haddock-auth.example.com", ns, "haddock-auth", 5001);
    await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "haddock-auth").stream()
        .anyMatch(Kubelet.Pod::ready));
    String endpoint = r.getStatus().endpoint;
    assertThat(endpoint).isEqualTo("haddock.example.com:5000");
    String ca = r.getStatus().caBundle;
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 31);

    var alice = new ClusterSkopeo(tmp.resolve("alice"), proxy.url(), ca);
    assertThat(alice.login(endpoint, "alice", "wrong").ok()).as("wrong password").isFalse();
    alice.login(endpoint, "alice", "change-me-three").orThrow();
    alice.push(tmp.resolve("image"), "latest", endpoint + "/alice/app:v1").orThrow();
    assertThat(alice.push(tmp.resolve("image"), "latest", endpoint + "/ci/app:alice").ok())
        .as("alice pushes only alice/...").isFalse();

    var reader = new ClusterSkopeo(tmp.resolve("reader"), proxy.url(), ca);
    reader.login(endpoint, "reader", "change-me-too").orThrow();
    reader.pull(endpoint + "/alice/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
    assertThat(reader.push(tmp.resolve("image"), "latest", endpoint + "/reader/app:v1").ok())
        .as("reader only pulls").isFalse();

    // a ServiceAccount token as the password: the issuer asks the API server whose it is
    String builderToken = serviceAccountToken("ci", "builder");
    var builder = new ClusterSkopeo(tmp.resolve("builder"), proxy.url(), ca);
    builder.login(endpoint, "builder", builderToken).orThrow();
    builder.push(tmp.resolve("image"), "latest", endpoint + "/ci/app:v1").orThrow();
    assertThat(builder.push(tmp.resolve("image"), "latest", endpoint + "/alice/app:ci").ok())
        .as("the builder pushes only ci/...").isFalse();
    var tester = new ClusterSkopeo(tmp.resolve("tester"), proxy.url(), ca);
    tester.login(endpoint, "tester", serviceAccountToken("ci", "tester")).orThrow();
    assertThat(tester.push(tmp.resolve("image"), "latest", endpoint + "/ci/app:tester").ok())
        .as("a ServiceAccount the ACL does not name").isFalse();
    // a token the API server never issued
    String[] parts = builderToken.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + parts[2].substring(1) + "A";
    var forger = new ClusterSkopeo(tmp.resolve("forger"), proxy.url(), ca);
    assertThat(forger.login(endpoint, "builder", forged).ok()).as("forged token").isFalse();

    var anonymous = new ClusterSkopeo(tmp.resolve("anonymous"), proxy.url(), ca);
    assertThat(anonymous.inspectRaw(endpoint + "/alice/app:v1").ok()).isFalse();
    // no password or token in any process's log
    for (Kubelet.Pod pod : kubelet.pods(ns, "haddock-auth")) {
      assertThat(pod.logText()).doesNotContain("change-me-three", builderToken);
    }
  }

  /**
   * Journey 8: samples/ingress.yaml, the registry and its managed token issuer behind an
   * ingress-nginx Ingress each in TLS passthrough. The proxy plays the controller: it routes each
   * host of the Ingresses the operator wrote, on 443, to their backend Service as written; clients
   * reach only the external names, log in through the realm on the token host, push and pull.
   */
  @Test
  void journey8_ingressSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j8-ingress");
    applySample("ingress.yaml", ns);
    SecureRegistry r = awaitReady(ns, "castafiore");
    var ingresses = await().atMost(READY_TIMEOUT).until(() -> cluster.client.network().v1()
        .ingresses().inNamespace(ns).list().getItems(), l -> l.size() == 2);
    for (var ingress : ingresses) {
      assertThat(ingress.getMetadata().getAnnotations())
          .containsEntry("nginx.ingress.kubernetes.io/ssl-passthrough", "true");
      assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
      var rule = ingress.getSpec().getRules().get(0);
      var backend = rule.getHttp().getPaths().get(0).getBackend().getService();
      proxy.alias(rule.getHost(), ns, backend.getName(), backend.getPort().getNumber());
    }
    await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "castafiore-auth").stream()
        .anyMatch(Kubelet.Pod::ready));
    assertThat(r.getStatus().endpoint).isEqualTo("castafiore.example.com");
    assertThat(r.getStatus().condition(ConditionTypes.EXPOSED).map(c -> c.getStatus()))
        .contains("True");
    String endpoint = r.getStatus().endpoint;
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 81);
    var ci = new ClusterSkopeo(tmp.resolve("ci"), proxy.url(), r.getStatus().caBundle);
    assertThat(ci.login(endpoint, "ci", "wrong").ok()).as("wrong password").isFalse();
    ci.login(endpoint, "ci", "change-me-please").orThrow();
    ci.push(tmp.resolve("image"), "latest", endpoint + "/team/app:v1").orThrow();
    ci.pull(endpoint + "/team/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
  }

  /**
   * Journey 3, an issuer the operator does not run: samples/token-external.yaml. A team runs its
   * own docker_auth-style issuer in the cluster (here the registry image's auth-server, with
   * docker_auth's config: inline bcrypt users, kid-identified signing key, no x5c), behind
   * auth.example.com; the user puts its signing certificate into the sample's Secret, as the
   * sample says. The registry sends clients to that realm and accepts only what it signs.
   */
  @Test
  void journey3_externalTokenIssuer(@TempDir Path tmp) throws Exception {
    String authNs = "acme-auth";
    useNamespace(authNs);
    String signingPem = runExternalIssuer(authNs);
    String ns = useNamespace("j3-external");
    applySample("token-external.yaml", ns, item -> {
      if (item instanceof Secret s && "token-signer".equals(s.getMetadata().getName())) {
        s.setStringData(Map.of("ca.crt", signingPem));
      }
      return item;
    });
    SecureRegistry r = awaitReady(ns, "thomson");
    proxy.alias("thomson.example.com", ns, "thomson");
    String endpoint = r.getStatus().endpoint;
    String ca = r.getStatus().caBundle;
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 32);

    // the issuer's certificate comes from the team's own CA: clients trust it beside the registry's
    var jenkins = new ClusterSkopeo(tmp.resolve("jenkins"), proxy.url(), ca + externalIssuerCa);
    assertThat(jenkins.login(endpoint, "jenkins", "wrong").ok()).isFalse();
    jenkins.login(endpoint, "jenkins", "jenkins-Passw0rd").orThrow();
    jenkins.push(tmp.resolve("image"), "latest", endpoint + "/builds/app:v1").orThrow();
    var viewer = new ClusterSkopeo(tmp.resolve("viewer"), proxy.url(), ca + externalIssuerCa);
    viewer.login(endpoint, "viewer", "viewer-Passw0rd").orThrow();
    viewer.pull(endpoint + "/builds/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
    assertThat(viewer.push(tmp.resolve("image"), "latest", endpoint + "/builds/app:viewer").ok())
        .as("the issuer's ACL gives viewer pull only").isFalse();
    var anonymous = new ClusterSkopeo(tmp.resolve("anonymous"), proxy.url(), ca);
    assertThat(anonymous.inspectRaw(endpoint + "/builds/app:v1").ok()).isFalse();
  }

  static volatile String externalIssuerCa;

  /**
   * The external issuer's objects, as its team would apply them: a CA of its own through
   * cert-manager, its serving and signing certificates, docker_auth's config, a Deployment and a
   * Service on 443. Returns the signing certificate (what the registry's rootcertbundle needs).
   */
  static String runExternalIssuer(String ns) throws Exception {
    var client = cluster.client;
    // the team runs the registry image under a tag of its own; the node has it by that name as
    // an admin gives it (ctr images tag), since this node pulls nothing
    String image = dev.portcullis.operator.model.RegistryImage.REPOSITORY + ":latest";
    if (CONTAINERS) {
      cri.tagImage(dev.portcullis.operator.model.RegistryImage.defaultImage(), image);
    }
    String yaml = """
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {name: bootstrap}
        spec: {selfSigned: {}}
        ---
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: acme-ca}
        spec:
          isCA: true
          commonName: Acme internal CA
          secretName: acme-ca
          issuerRef: {name: bootstrap, kind: Issuer}
        ---
        apiVersion: cert-manager.io/v1
        kind: Issuer
        metadata: {name: acme-ca}
        spec: {ca: {secretName: acme-ca}}
        ---
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: acme-auth-tls}
        spec:
          secretName: acme-auth-tls
          dnsNames: [auth.example.com, acme-auth.acme-auth.svc]
          issuerRef: {name: acme-ca, kind: Issuer}
        ---
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: acme-token-signing}
        spec:
          secretName: acme-token-signing
          commonName: Acme token signer
          issuerRef: {name: acme-ca, kind: Issuer}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: acme-auth-config}
        data:
          config.yml: |
            server:
              addr: ":5001"
              certificate: /etc/acme/tls/tls.crt
              key: /etc/acme/tls/tls.key
            token:
              issuer: Acme auth server
              service: thomson.example.com
              expiration: 900
              certificate: /etc/acme/signing/tls.crt
              key: /etc/acme/signing/tls.key
            users:
              jenkins: {password: "%s"}
              viewer: {password: "%s"}
            acl:
              - match: {account: jenkins}
                actions: ["*"]
              - match: {account: viewer}
                actions: [pull]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: acme-auth}
        spec:
          replicas: 1
          selector: {matchLabels: {app: acme-auth}}
          template:
            metadata: {labels: {app: acme-auth}}
            spec:
              automountServiceAccountToken: false
              containers:
                - name: auth
                  image: %3$s
                  args: [auth-server, /etc/acme/config/config.yml]
                  ports: [{name: https, containerPort: 5001}]
                  readinessProbe: {httpGet: {path: /healthz, port: 5001, scheme: HTTPS}}
                  volumeMounts:
                    - {name: config, mountPath: /etc/acme/config}
                    - {name: tls, mountPath: /etc/acme/tls}
                    - {name: signing, mountPath: /etc/acme/signing}
              volumes:
                - {name: config, configMap: {name: acme-auth-config}}
                - {name: tls, secret: {secretName: acme-auth-tls}}
                - {name: signing, secret: {secretName: acme-token-signing}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: acme-auth}
        spec:
          selector: {app: acme-auth}
          ports: [{name: https, port: 443, targetPort: https}]
        """.formatted(org.mindrot.jbcrypt.BCrypt.hashpw("jenkins-Passw0rd",
            org.mindrot.jbcrypt.BCrypt.gensalt(10)), org.mindrot.jbcrypt.BCrypt.hashpw(
            "viewer-Passw0rd", org.mindrot.jbcrypt.BCrypt.gensalt(10)), image);
    for (HasMetadata item : client.load(new ByteArrayInputStream(
        yaml.getBytes(StandardCharsets.UTF_8))).items()) {
      item.getMetadata().setNamespace(ns);
      client.resource(item).inNamespace(ns).create();
    }
    proxy.alias("auth.example.com", ns, "acme-auth", 443);
    await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "acme-auth").stream()
        .anyMatch(Kubelet.Pod::ready));
    Secret signing = client.secrets().inNamespace(ns).withName("acme-token-signing").get();
    externalIssuerCa = Registries.decode(signing, "ca.crt");
    return Registries.decode(signing, "tls.crt");
  }

  /**
   * samples/letsencrypt.yaml: a public name, a certificate from an ACME ClusterIssuer (the fake
   * cert-manager's stands for Let's Encrypt: its chain ends in a root the client trusts as it
   * trusts its system store), a LoadBalancer on 443. No CA to distribute, so status has none.
   */
  @Test
  void journey1_letsencryptSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j1-public");
    applySample("letsencrypt.yaml", ns);
    await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
      SecureRegistry r = cluster.client.resources(SecureRegistry.class).inNamespace(ns)
          .withName("public").get();
      return r != null && r.getStatus() != null && r.getStatus().condition(ConditionTypes.READY)
          .map(c -> "True".equals(c.getStatus())).orElse(false);
    });
    SecureRegistry r = cluster.client.resources(SecureRegistry.class).inNamespace(ns)
        .withName("public").get();
    assertThat(r.getStatus().caBundle).as("a public chain: nothing to distribute").isNull();
    String endpoint = r.getStatus().endpoint;
    assertThat(endpoint).isEqualTo("registry.example.com");
    proxy.alias("registry.example.com", ns, "public", 443);
    Secret tls = cluster.client.secrets().inNamespace(ns).withName("public-tls").get();
    // public CAs refuse in-cluster names: the certificate names only the host
    assertThat(FakeCertManager.readCert(Registries.decode(tls, "tls.crt"))
        .getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
        .containsExactly("registry.example.com");

    var skopeo = new ClusterSkopeo(tmp.resolve("skopeo"), proxy.url(),
        cluster.certManager().publicRootPem());
    assertThat(skopeo.login(endpoint, "rackham", "wrong").ok()).isFalse();
    skopeo.login(endpoint, "rackham", "change-me-please").orThrow();
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 12);
    skopeo.push(tmp.resolve("image"), "latest", endpoint + "/tools/app:v1").orThrow();
    skopeo.pull(endpoint + "/tools/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
    // a client that trusts only a private CA (not the public root) refuses the certificate
    var untrusting = new ClusterSkopeo(tmp.resolve("untrusting"), proxy.url(), null);
    Exec.Result refused = untrusting.inspectRaw(endpoint + "/tools/app:v1");
    assertThat(refused.ok()).isFalse();
    assertThat(refused.output()).contains("certificate");
  }

  /** Journey 4: cert-manager renews the server certificate; no failed request, no restart, new serial served. */
  @Test
  void journey4_certificateRenewal(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j4-renewal");
    var spec = Registries.tls(Registries.basic(ns, "renew"), TlsSpec.Mode.TLS);
    cluster.client.resource(spec).create();
    SecureRegistry r = awaitReady(ns, "renew");
    Kubelet.Pod pod = onlyPod(ns, "renew");
    long pid = pod.pid();
    String host = "renew." + ns + ".svc";
    SSLContext tls = trusting(r.getStatus().caBundle);
    BigInteger before = servedSerial(tls, pod, host);
    assertThat(before).isEqualTo(secretSerial(ns, "renew-tls"));

    var skopeo = new ClusterSkopeo(tmp.resolve("skopeo"), proxy.url(), r.getStatus().caBundle);
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.1, 4);
    skopeo.push(tmp.resolve("image"), "latest", host + ":5000/renew/app:v1").orThrow();

    // requests on fresh connections the whole time the certificate changes under the registry
    var stop = new AtomicBoolean();
    var ok = new AtomicInteger();
    var failures = new AtomicInteger();
    var lastFailure = new AtomicReference<String>();
    Thread load = new Thread(() -> {
      while (!stop.get()) {
        try {
          int code = get(tls, pod, host, "/v2/", null);
          if (code == 200) {
            ok.incrementAndGet();
          } else {
            failures.incrementAndGet();
            lastFailure.set("HTTP " + code);
          }
        } catch (Exception e) {
          failures.incrementAndGet();
          lastFailure.set(e.toString());
        }
      }
    }, "renewal-load");
    load.start();
    try {
      cluster.certManager().renew(ns, "renew-tls");
      await().atMost(Duration.ofSeconds(30))
          .until(() -> !secretSerial(ns, "renew-tls").equals(before));
      BigInteger after = secretSerial(ns, "renew-tls");
      await().atMost(Duration.ofSeconds(30)).until(() -> after.equals(servedSerial(tls, pod, host)));
    } finally {
      stop.set(true);
      load.join();
    }
    assertThat(failures.get()).as("failed requests during renewal (last: %s)", lastFailure.get())
        .isZero();
    assertThat(ok.get()).isPositive();
    assertThat(pod.pid()).as("the registry process was not restarted").isEqualTo(pid);
    assertThat(pod.starts()).isEqualTo(1);
    assertThat(kubelet.pods(ns, "renew")).containsExactly(pod);
    skopeo.pull(host + ":5000/renew/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
  }

  /** Journey 5: the password Secret changes; the old password stops working, the new one works, no restart. */
  @Test
  void journey5_passwordChange(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j5-password");
    cluster.client.resource(Registries.password(ns, "alice", "first-password")).create();
    var spec = Registries.tls(Registries.htpasswd(ns, "pw", "alice"), TlsSpec.Mode.TLS);
    cluster.client.resource(spec).create();
    SecureRegistry r = awaitReady(ns, "pw");
    Kubelet.Pod pod = onlyPod(ns, "pw");
    long pid = pod.pid();
    String host = "pw." + ns + ".svc";
    String endpoint = host + ":5000";
    SSLContext tls = trusting(r.getStatus().caBundle);

    var skopeo = new ClusterSkopeo(tmp.resolve("skopeo"), proxy.url(), r.getStatus().caBundle);
    skopeo.login(endpoint, "alice", "first-password").orThrow();
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.1, 5);
    skopeo.push(tmp.resolve("image"), "latest", endpoint + "/alice/app:v1").orThrow();

    cluster.client.secrets().inNamespace(ns).withName("alice-password")
        .edit(s -> Registries.password(ns, "alice", "second-password"));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> get(tls, pod, host, "/v2/", "alice:second-password") == 200
            && get(tls, pod, host, "/v2/", "alice:first-password") == 401);

    Exec.Result old = skopeo.login(endpoint, "alice", "first-password");
    assertThat(old.ok()).as("old password refused: %s", old.describe()).isFalse();
    var fresh = new ClusterSkopeo(tmp.resolve("skopeo2"), proxy.url(), r.getStatus().caBundle);
    fresh.login(endpoint, "alice", "second-password").orThrow();
    fresh.pull(endpoint + "/alice/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
    assertThat(pod.pid()).as("the registry process was not restarted").isEqualTo(pid);
    assertThat(pod.starts()).isEqualTo(1);
    assertThat(kubelet.pods(ns, "pw")).containsExactly(pod);
  }

  /**
   * Journey 17 (issue 17): a registry whose image cannot be pulled says so in its status, naming
   * the pod, the container and the image, from the pod's status as the kubelet writes it (in
   * containers mode containerd's own pull error).
   */
  @Test
  void journey17_imageThatDoesNotExist() {
    String ns = useNamespace("j17-image");
    String image = "127.0.0.1:1/portcullis/missing:0.0.0"; // nothing listens: the pull fails at once
    var spec = Registries.tls(Registries.basic(ns, "ghost"), TlsSpec.Mode.Disabled);
    spec.getSpec().image = image;
    cluster.client.resource(spec).create();
    await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .untilAsserted(() -> {
          var ready = cluster.client.resources(SecureRegistry.class).inNamespace(ns)
              .withName("ghost").get().getStatus().condition(ConditionTypes.READY).orElseThrow();
          assertThat(ready.getStatus()).isEqualTo("False");
          assertThat(ready.getReason()).isIn("ErrImagePull", "ImagePullBackOff");
          assertThat(ready.getMessage()).startsWith("pod " + onlyPod(ns, "ghost").name()
              + " container registry: " + ready.getReason() + ": image " + image);
        });
    var pod = onlyPod(ns, "ghost");
    assertThat(pod.starts()).as("no container was started").isZero();
    assertThat(cluster.client.pods().inNamespace(ns).withName(pod.name()).get().getStatus()
        .getPhase()).isEqualTo("Pending");
    cluster.client.resource(spec).delete(); // the node stops trying
  }

  /**
   * Journey 7: deleting the registry keeps the volume's data; re-creating it serves the old
   * images. Then the operator's garbage-collection CronJob, run now as {@code kubectl create job
   * --from=cronjob/keep-gc} would, runs through the kubelet and frees the layers of an image
   * whose tag moved on, while the tagged image still pulls.
   */
  @Test
  void journey7_deletionKeepsData(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j7-delete");
    var spec = collectedWeekly(Registries.tls(Registries.basic(ns, "keep"), TlsSpec.Mode.TLS));
    cluster.client.resource(spec).create();
    SecureRegistry r = awaitReady(ns, "keep");
    String endpoint = "keep." + ns + ".svc:5000";
    var skopeo = new ClusterSkopeo(tmp.resolve("skopeo"), proxy.url(), r.getStatus().caBundle);
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 2, 0.1, 7);
    skopeo.push(tmp.resolve("image"), "latest", endpoint + "/kept/app:v1").orThrow();
    Kubelet.Pod first = onlyPod(ns, "keep");

    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("keep").delete();
    await().atMost(Duration.ofSeconds(60)).until(() ->
        cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("keep").get() == null
            && cluster.client.apps().deployments().inNamespace(ns).withName("keep").get() == null
            && kubelet.pods(ns, "keep").isEmpty());
    assertThat(first.ready()).isFalse();
    assertThat(skopeo.inspectRaw(endpoint + "/kept/app:v1").ok())
        .as("nothing serves once the registry is deleted").isFalse();
    // no pull secrets or node entries are left behind (issue 8 creates them; none may survive)
    assertThat(cluster.client.secrets().inNamespace(ns).list().getItems())
        .filteredOn(s -> "kubernetes.io/dockerconfigjson".equals(s.getType())).isEmpty();
    assertThat(cluster.client.apps().daemonSets().inNamespace(ns).list().getItems()).isEmpty();
    Path certsD = kubelet.nodeRoot().resolve("etc/containerd/certs.d");
    if (Files.isDirectory(certsD)) {
      try (var entries = Files.list(certsD)) {
        assertThat(entries.map(p -> p.getFileName().toString()))
            .noneMatch(n -> n.startsWith("keep." + ns));
      }
    }
    // the claim and its data stay
    PersistentVolumeClaim claim = cluster.client.persistentVolumeClaims().inNamespace(ns)
        .withName("keep-data").get();
    assertThat(claim).as("claim kept (retainOnDelete defaults to true)").isNotNull();
    try (var files = Files.walk(kubelet.claimDir(ns, "keep-data"))) {
      assertThat(files.filter(Files::isRegularFile).count()).isPositive();
    }

    cluster.client.resource(collectedWeekly(Registries.tls(Registries.basic(ns, "keep"),
        TlsSpec.Mode.TLS))).create();
    SecureRegistry again = awaitReady(ns, "keep");
    assertThat(onlyPod(ns, "keep")).isNotSameAs(first);
    // the shared namespace CA survived (it has no owner), so the CA clients trust is unchanged
    assertThat(again.getStatus().caBundle).isEqualTo(r.getStatus().caBundle);
    skopeo.pull(endpoint + "/kept/app:v1", tmp.resolve("back"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);

    // garbage collection: v1 moves to a new image, the old one's layers are referenced no more
    String newer = ClusterSkopeo.makeImage(tmp.resolve("newer"), 2, 0.1, 71);
    skopeo.push(tmp.resolve("newer"), "latest", endpoint + "/kept/app:v1").orThrow();
    List<String> freed = ClusterSkopeo.layoutLayers(tmp.resolve("image"));
    List<String> kept = ClusterSkopeo.layoutLayers(tmp.resolve("newer"));
    Path storage = kubelet.claimDir(ns, "keep-data");
    for (String layer : freed) {
      assertThat(blobData(storage, layer)).as("old layer %s stored", layer).isRegularFile();
    }
    // the pushes were made two hours ago, as far as the collector can tell: past its grace
    // period (1h), which spares what was written or linked more recently
    var twoHoursAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now()
        .minus(Duration.ofHours(2)));
    try (var files = Files.walk(storage)) {
      for (Path f : files.toList()) {
        Files.setLastModifiedTime(f, twoHoursAgo);
      }
    }
    String cronJob = dev.portcullis.operator.model.Names.gcCronJob(again);
    await().atMost(READY_TIMEOUT).until(() ->
        cluster.client.batch().v1().cronjobs().inNamespace(ns).withName(cronJob).get() != null);
    String jobName = cronJob + "-manual-1";
    dev.portcullis.operator.testsupport.clients.ManualJob.create(cluster.client, ns, cronJob,
        jobName);
    var job = await().atMost(READY_TIMEOUT).until(() -> cluster.client.batch().v1().jobs()
        .inNamespace(ns).withName(jobName).get(), j -> j.getStatus() != null
            && j.getStatus().getConditions() != null && !j.getStatus().getConditions().isEmpty());
    List<Kubelet.Pod> gcPods = kubelet.jobPods(ns, jobName);
    String gcLog = gcPods.stream().map(Kubelet.Pod::logText).reduce("", String::concat);
    assertThat(job.getStatus().getConditions()).as("the Job's end; its pod's log:\n%s", gcLog)
        .extracting(c -> c.getType()).containsExactly("Complete");
    assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
    assertThat(gcPods).singleElement().extracting(Kubelet.Pod::phase).isEqualTo("Succeeded");
    SSLContext tls = trusting(again.getStatus().caBundle);
    Kubelet.Pod serving = onlyPod(ns, "keep");
    for (String layer : freed) {
      assertThat(gcLog).contains("blob deleted: " + layer);
      assertThat(blobData(storage, layer)).as("freed layer %s", layer).doesNotExist();
      assertThat(get(tls, serving, "keep." + ns + ".svc", "/v2/kept/app/blobs/" + layer, null))
          .as("GET of freed layer %s", layer).isEqualTo(404);
    }
    for (String layer : kept) {
      assertThat(blobData(storage, layer)).as("layer %s of the tagged image", layer).isRegularFile();
    }
    assertThat(skopeo.inspectRaw(endpoint + "/kept/app@" + digest).ok())
        .as("the untagged manifest is deleted (deleteUntagged)").isFalse();
    skopeo.pull(endpoint + "/kept/app:v1", tmp.resolve("back-newer"), "v1").orThrow();
    assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back-newer"))).isEqualTo(newer);
  }

  /** {@code r} with a weekly garbage collection that also removes untagged manifests. */
  static SecureRegistry collectedWeekly(SecureRegistry r) {
    r.getSpec().garbageCollection = new dev.portcullis.operator.api.GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    r.getSpec().garbageCollection.deleteUntagged = true;
    return r;
  }

  /** Where the filesystem storage under {@code claim} keeps the content of blob {@code digest}. */
  static Path blobData(Path claim, String digest) {
    String hex = digest.substring("sha256:".length());
    return claim.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2))
        .resolve(hex).resolve("data");
  }

  /**
   * Journey 6: samples/s3-ha.yaml with the MinIO lines filled in, here s3proxy in the test JVM
   * (with the sample's own credentials, which reach the pods from the Secret as env vars). Three
   * replicas share the bucket: an image pushed through one replica is pulled through another and
   * inspected through the third, the client using the Service's name throughout; blob downloads
   * are redirected to the bucket (the default).
   */
  @Test
  void journey6_s3Replicas(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j6-s3");
    try (var s3 = InProcessS3.start(tmp, "AKIAEXAMPLEEXAMPLE", "replace-with-the-real-secret-key")) {
      s3.createBucket("portcullis-images");
      String s3Endpoint = podReachable(s3.endpoint());
      applySample("s3-ha.yaml", ns, item -> {
        if (!"SecureRegistry".equals(item.getKind())) {
          return item;
        }
        SecureRegistry edited = cluster.client.getKubernetesSerialization()
            .convertValue(item, SecureRegistry.class);
        edited.getSpec().storage.s3.endpoint = s3Endpoint;
        edited.getSpec().storage.s3.forcePathStyle = true;
        return edited;
      });
      SecureRegistry r = awaitReady(ns, "shared");
      int replicas = r.getSpec().replicas;
      assertThat(replicas).isEqualTo(3);
      List<Kubelet.Pod> pods = kubelet.pods(ns, "shared");
      assertThat(pods).hasSize(replicas).allMatch(Kubelet.Pod::ready);
      for (Kubelet.Pod pod : pods) {
        assertThat(pod.env()).containsEntry("REGISTRY_STORAGE_S3_ACCESSKEY", "AKIAEXAMPLEEXAMPLE")
            .containsEntry("REGISTRY_STORAGE_S3_SECRETKEY", "replace-with-the-real-secret-key");
      }
      assertThat(cluster.client.persistentVolumeClaims().inNamespace(ns).list().getItems())
          .isEmpty();
      assertThat(cluster.client.policy().v1().podDisruptionBudget().inNamespace(ns)
          .withName("shared").get()).as("PodDisruptionBudget of a replicated registry").isNotNull();
      // the sample asks for a ServiceMonitor; this cluster has no Prometheus Operator: a warning
      assertThat(r.getStatus().condition(ConditionTypes.MONITORING_UNAVAILABLE).orElseThrow()
          .getReason()).isEqualTo("ServiceMonitorCRDMissing");

      String host = "shared." + ns + ".svc";
      String endpoint = host + ":5000";
      var skopeo = new ClusterSkopeo(tmp.resolve("skopeo"), proxy.url(), r.getStatus().caBundle);
      String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 2, 0.5, 61);
      try {
        proxy.pin(host, pods.get(0));
        skopeo.push(tmp.resolve("image"), "latest", endpoint + "/team/app:v1").orThrow();
        proxy.pin(host, pods.get(1));
        skopeo.pull(endpoint + "/team/app:v1", tmp.resolve("back"), "v1").orThrow();
        proxy.pin(host, pods.get(2));
        assertThat(skopeo.inspectRaw(endpoint + "/team/app:v1").orThrow().output())
            .contains("layers");
      } finally {
        proxy.pin(host, null);
      }
      assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
      // each replica did its part: the push's manifest PUT, the pull's redirected blob GETs (the
      // access log line is written as the response ends, so it may trail the client's exit)
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(pods.get(0).logText()).contains("PUT /v2/team/app/manifests/v1 201");
        assertThat(pods.get(1).logText()).containsPattern("GET /v2/team/app/blobs/sha256:\\w+ 307");
        assertThat(pods.get(2).logText()).contains("GET /v2/team/app/manifests/v1 200");
      });
      assertThat(s3.blobStore().countBlobs("portcullis-images")).isPositive();
    } finally {
      // the bucket goes with this journey: stop the replicas first
      cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("shared").delete();
      await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "shared").isEmpty());
    }
  }

  /**
   * Journey 9: samples/token-ldap.yaml, the managed token issuer logging users in against the
   * company directory. The test is the company: a directory on LDAPS with its own CA (the CA goes
   * in the sample's ldap-ca Secret, the service account's password in ldap-bind), people whose
   * memberOf names their groups. The ACL of the sample decides: the platform group does everything,
   * everyone pushes to their own namespace, any user with a group pulls library/.
   */
  @Test
  void journey9_ldapSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j9-ldap");
    String base = "dc=example,dc=com";
    String bindPassword = "bind-" + java.util.UUID.randomUUID();
    try (var directory = new dev.portcullis.operator.testsupport.LdapsDirectory(
        tmp.resolve("directory"), base, "ldap.example.com", podSideAddresses())) {
      directory.add("dn: " + base, "objectClass: domain", "dc: example");
      directory.add("dn: ou=people," + base, "objectClass: organizationalUnit", "ou: people");
      directory.add("dn: ou=services," + base, "objectClass: organizationalUnit", "ou: services");
      directory.add("dn: cn=registry,ou=services," + base, "objectClass: person", "cn: registry",
          "sn: registry", "userPassword: " + bindPassword);
      ldapPerson(directory, base, "olga", "olga-ldap-pw", "platform");
      ldapPerson(directory, base, "dev", "dev-ldap-pw", "developers");
      ldapPerson(directory, base, "nogroup", "nogroup-ldap-pw");

      var ldap = podReachable(new java.net.InetSocketAddress("127.0.0.1", directory.port()));
      applySample("token-ldap.yaml", ns, item -> {
        if (item instanceof Secret s && "ldap-bind".equals(s.getMetadata().getName())) {
          s.setStringData(Map.of("password", bindPassword));
        } else if (item instanceof Secret s && "ldap-ca".equals(s.getMetadata().getName())) {
          s.setStringData(Map.of("ca.crt", directory.caPem()));
        } else if ("SecureRegistry".equals(item.getKind())) {
          SecureRegistry r = typed(item);
          // the directory's address as this cluster's pods reach it (its certificate names it)
          r.getSpec().auth.token.managed.ldap.addr = ldap.getAddress().getHostAddress() + ":"
              + ldap.getPort();
          return r;
        }
        return item;
      });
      SecureRegistry r = awaitReady(ns, "wharf");
      proxy.alias("wharf.example.com", ns, "wharf");
      await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "wharf-auth").stream()
          .anyMatch(Kubelet.Pod::ready));
      String endpoint = r.getStatus().endpoint;
      assertThat(endpoint).isEqualTo("wharf.example.com:5000");
      String ca = r.getStatus().caBundle;
      String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 91);

      var olga = new ClusterSkopeo(tmp.resolve("olga"), proxy.url(), ca);
      assertThat(olga.login(endpoint, "olga", "wrong").ok()).as("wrong LDAP password").isFalse();
      olga.login(endpoint, "olga", "olga-ldap-pw").orThrow();
      olga.push(tmp.resolve("image"), "latest", endpoint + "/library/base:v1").orThrow();

      var dev = new ClusterSkopeo(tmp.resolve("dev"), proxy.url(), ca);
      dev.login(endpoint, "dev", "dev-ldap-pw").orThrow();
      dev.push(tmp.resolve("image"), "latest", endpoint + "/dev/app:v1").orThrow();
      dev.pull(endpoint + "/library/base:v1", tmp.resolve("back"), "v1").orThrow();
      assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
      Exec.Result refused = dev.push(tmp.resolve("image"), "latest",
          endpoint + "/library/base:dev");
      assertThat(refused.ok()).as("developers only pull library/: %s", refused.describe())
          .isFalse();
      assertThat(dev.push(tmp.resolve("image"), "latest", endpoint + "/olga/app:v1").ok())
          .as("dev pushes only dev/...").isFalse();
      // no group, no library/; its own namespace still
      var nogroup = new ClusterSkopeo(tmp.resolve("nogroup"), proxy.url(), ca);
      nogroup.login(endpoint, "nogroup", "nogroup-ldap-pw").orThrow();
      assertThat(nogroup.inspectRaw(endpoint + "/library/base:v1").ok()).isFalse();
      var unknown = new ClusterSkopeo(tmp.resolve("unknown"), proxy.url(), ca);
      assertThat(unknown.login(endpoint, "mallory", "dev-ldap-pw").ok()).isFalse();

      // the bind password reaches the issuer only as a file: no ConfigMap, no log has it
      for (var cm : cluster.client.configMaps().inAnyNamespace().list().getItems()) {
        assertThat(String.valueOf(cm.getData()) + cm.getBinaryData())
            .as("ConfigMap %s/%s", cm.getMetadata().getNamespace(), cm.getMetadata().getName())
            .doesNotContain(bindPassword);
      }
      for (String workload : List.of("wharf", "wharf-auth")) {
        for (Kubelet.Pod pod : kubelet.pods(ns, workload)) {
          assertThat(pod.logText()).doesNotContain(bindPassword, "olga-ldap-pw", "dev-ldap-pw");
        }
      }
      for (var d : cluster.client.apps().deployments().inNamespace(ns).list().getItems()) {
        assertThat(cluster.client.getKubernetesSerialization().asJson(d))
            .doesNotContain(bindPassword);
      }
    }
  }

  /**
   * Journey 11: samples/token-oidc-login.yaml, browser sign-in through the issuer the operator
   * runs. The company's OpenID provider is mock-oauth2-server over HTTPS in the test JVM (its
   * self-signed certificate in the sample's CA Secret); the person's browser is an HTTP client with
   * a cookie jar going through the sign-in page on the realm's host, the provider and back; the
   * page's password then logs skopeo in, and the {@code groups} claim decides what it may push.
   */
  @Test
  void journey11_oidcLoginSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j11-oidc");
    // its certificate names where the issuer's pod reaches it too
    var providerTls = dev.portcullis.operator.testsupport.SelfSignedCertificate
        .create(tmp.resolve("provider-tls"), "provider", podSideAddresses());
    var provider = httpsOidcProvider(providerTls);
    try {
      var providerCert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
          .getInstance("X.509").generateCertificate(Files.newInputStream(providerTls.certificate()));
      String providerCa = providerTls.pem();
      String clientSecret = "client-" + java.util.UUID.randomUUID();
      String issuer = podReachable(provider.issuerUrl("acme").toString());
      applySample("token-oidc-login.yaml", ns, item -> {
        if (item instanceof Secret s && "forge-oidc-client".equals(s.getMetadata().getName())) {
          s.setStringData(Map.of("client-secret", clientSecret));
        } else if ("SecureRegistry".equals(item.getKind())) {
          SecureRegistry r = typed(item);
          var oidc = r.getSpec().auth.token.managed.logins.oidc;
          oidc.issuer = issuer;
          oidc.caSecretRef = new io.fabric8.kubernetes.api.model.SecretKeySelector("ca.crt",
              "provider-ca", null);
          return r;
        }
        return item;
      });
      caSecret(ns, "provider-ca", providerCa);
      SecureRegistry r = awaitReady(ns, "forge");
      proxy.alias("forge.example.com", ns, "forge");
      proxy.alias("forge-auth.example.com", ns, "forge-auth", 5001);
      await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "forge-auth").stream()
          .anyMatch(Kubelet.Pod::ready));
      String endpoint = r.getStatus().endpoint;
      String ca = r.getStatus().caBundle;

      // the browser: the cluster's names through the proxy, the provider directly; the cluster's
      // CA and the provider's certificate trusted; cookies kept
      var trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      var certs = java.security.cert.CertificateFactory.getInstance("X.509");
      int n = 0;
      for (var c : certs.generateCertificates(new ByteArrayInputStream(ca.getBytes(StandardCharsets.US_ASCII)))) {
        trust.setCertificateEntry("cluster" + n++, c);
      }
      trust.setCertificateEntry("provider", providerCert);
      var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      var tls = javax.net.ssl.SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      URI proxyUri = URI.create(proxy.url());
      var viaProxy = java.net.Proxy.NO_PROXY;
      var browser = java.net.http.HttpClient.newBuilder().sslContext(tls)
          .cookieHandler(new java.net.CookieManager())
          .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
          .proxy(new java.net.ProxySelector() {
            @Override
            public List<java.net.Proxy> select(URI uri) {
              return List.of(uri.getHost().endsWith(".example.com")
                  ? new java.net.Proxy(java.net.Proxy.Type.HTTP,
                      new java.net.InetSocketAddress(proxyUri.getHost(), proxyUri.getPort()))
                  : viaProxy);
            }

            @Override
            public void connectFailed(URI uri, java.net.SocketAddress sa, IOException e) {}
          }).connectTimeout(Duration.ofSeconds(10)).build();
      provider.enqueueCallback(new no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback(
          "acme", "olga", "JWT", List.of("forge-registry"),
          new java.util.HashMap<>(Map.of("email", "olga@example.com", "email_verified", true,
              "groups", List.of("platform"))),
          300));
      String signInPage = "https://forge-auth.example.com/oidc_auth";
      var page = browser.send(java.net.http.HttpRequest.newBuilder(URI.create(signInPage)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      var started = browser.send(java.net.http.HttpRequest.newBuilder(URI.create(signInPage))
          .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(started.statusCode()).as(started.body()).isEqualTo(302);
      var atProvider = browser.send(java.net.http.HttpRequest.newBuilder(URI.create(
          started.headers().firstValue("Location").orElseThrow())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      String callback = atProvider.headers().firstValue("Location").orElseThrow();
      assertThat(callback).startsWith(signInPage + "?");
      var shown = browser.send(java.net.http.HttpRequest.newBuilder(URI.create(callback)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
      var m = java.util.regex.Pattern.compile("id=\"password\">([A-Za-z0-9_.-]+)<").matcher(shown.body());
      assertThat(m.find()).as(shown.body()).isTrue();
      String password = m.group(1);
      assertThat(shown.body()).contains("--username &#39;olga@example.com&#39; --password-stdin forge.example.com");

      var olga = new ClusterSkopeo(tmp.resolve("olga"), proxy.url(), ca);
      assertThat(olga.login(endpoint, "olga@example.com", "wrong").ok()).isFalse();
      olga.login(endpoint, "olga@example.com", password).orThrow();
      String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 111);
      olga.push(tmp.resolve("image"), "latest", endpoint + "/acme/tool:v1").orThrow();
      olga.pull(endpoint + "/acme/tool:v1", tmp.resolve("back"), "v1").orThrow();
      assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
      // the password is kept, hashed, on the sample's claim; neither it nor the client secret is logged
      for (Kubelet.Pod pod : kubelet.pods(ns, "forge-auth")) {
        assertThat(pod.logText()).contains("oidc_auth: password issued: account=olga@example.com")
            .doesNotContain(password.substring(password.indexOf('.') + 1), clientSecret);
      }
    } finally {
      provider.shutdown();
    }
  }

  /**
   * Journey 12: samples/token-federation.yaml, CI workload identity federation. mock-oauth2-server
   * plays the CI's OIDC provider (GitHub Actions' token.actions.githubusercontent.com), at an
   * address the issuer's pods reach and with a certificate for it, trusted through the Secret the
   * sample's issuer entry references. A job's ID token (repository, repository_owner, ref, the
   * sample's audience) is the skopeo password: the main branch pushes its repository; the ACL's
   * labels refuse another repository and another branch; a token for another audience, an expired
   * one and another organisation's are refused at login, each with one log line naming the reason.
   */
  @Test
  void journey12_ciFederationSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j12-federation");
    var tlsCert = dev.portcullis.operator.testsupport.SelfSignedCertificate
        .create(tmp.resolve("provider-tls"), "ci-provider", podSideAddresses());
    var provider = httpsOidcProvider(tlsCert);
    try {
      // the issuer URL as the pods reach it: the tokens' iss, and the discovery document's (the
      // provider names itself after the Host it is asked on)
      String issuer = podReachable("https://127.0.0.1:" + provider.baseUrl().port()) + "/ci";
      applySample("token-federation.yaml", ns, item -> {
        if ("SecureRegistry".equals(item.getKind())) {
          SecureRegistry r = typed(item);
          var github = r.getSpec().auth.token.managed.federation.issuers.get(0);
          github.issuer = issuer;
          github.caSecretRef = new io.fabric8.kubernetes.api.model.SecretKeySelector("ca.crt",
              "ci-provider-ca", null);
          return r;
        }
        return item;
      });
      caSecret(ns, "ci-provider-ca", tlsCert.pem());
      SecureRegistry r = awaitReadyWithIssuer(ns, "foundry");
      String endpoint = r.getStatus().endpoint;
      String ca = r.getStatus().caBundle;
      String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 121);
      String audience = "foundry.example.com";

      // the main branch's job: pushes its own repository, not another of acme's
      String mainToken = ciIdToken(provider, issuer, audience, "acme", "acme/app",
          "refs/heads/main", Duration.ofMinutes(5));
      var main = new ClusterSkopeo(tmp.resolve("main"), proxy.url(), ca);
      main.login(endpoint, "acme/app", mainToken).orThrow();
      main.push(tmp.resolve("image"), "latest", endpoint + "/acme/app:v1").orThrow();
      assertRefused(main.push(tmp.resolve("image"), "latest", endpoint + "/acme/tool:v1"),
          "main of acme/app pushes only acme/app");

      // a feature branch of the same repository: pulls acme's images, pushes nothing
      var feature = new ClusterSkopeo(tmp.resolve("feature"), proxy.url(), ca);
      String featureToken = ciIdToken(provider, issuer, audience, "acme", "acme/app",
          "refs/heads/feature", Duration.ofMinutes(5));
      feature.login(endpoint, "acme/app", featureToken).orThrow();
      feature.pull(endpoint + "/acme/app:v1", tmp.resolve("back"), "v1").orThrow();
      assertThat(ClusterSkopeo.layoutDigest(tmp.resolve("back"))).isEqualTo(digest);
      assertRefused(feature.push(tmp.resolve("image"), "latest", endpoint + "/acme/app:feature"),
          "a branch other than main does not push");

      // tokens the issuer refuses at login
      String otherAudience = ciIdToken(provider, issuer, "https://other.example.com", "acme",
          "acme/app", "refs/heads/main", Duration.ofMinutes(5));
      String expired = ciIdToken(provider, issuer, audience, "acme", "acme/app",
          "refs/heads/main", Duration.ofMinutes(-10));
      String otherOwner = ciIdToken(provider, issuer, audience, "evil", "evil/app",
          "refs/heads/main", Duration.ofMinutes(5));
      var refused = new ClusterSkopeo(tmp.resolve("refused"), proxy.url(), ca);
      assertRefused(refused.login(endpoint, "acme/app", otherAudience), "another audience");
      assertRefused(refused.login(endpoint, "acme/app", expired), "an expired token");
      assertRefused(refused.login(endpoint, "evil/app", otherOwner), "another organisation");
      assertRefused(refused.login(endpoint, "acme/tool", mainToken),
          "a user name other than the token's repository");

      // one line per refusal, naming the reason; no token in any log
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        String logs = kubelet.pods(ns, "foundry-auth").stream().map(Kubelet.Pod::logText)
            .reduce("", String::concat);
        assertThat(logs).contains(
            "oidc_federation: token refused: issuer=github-actions reason=wrong audience"
                + " (expected foundry.example.com) account=acme/app",
            "oidc_federation: token refused: issuer=github-actions reason=expired at ",
            "oidc_federation: token refused: issuer=github-actions reason=claim repository_owner"
                + " is not acme account=evil/app",
            "oidc_federation: token refused: issuer=github-actions reason=user name is not the"
                + " token's repository");
        assertThat(logs.split("oidc_federation: token refused: ", -1)).as("one line per refused login")
            .hasSize(4 + 1);
        for (String token : List.of(mainToken, featureToken, otherAudience, expired, otherOwner)) {
          assertThat(logs).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        }
      });
    } finally {
      provider.shutdown();
    }
  }

  /**
   * {@link #awaitReady} for a sample with a managed token issuer, NAME.example.com and its realm's
   * NAME-auth.example.com (on 443, as an Ingress would serve it) routed by the proxy, and an issuer
   * pod ready.
   */
  static SecureRegistry awaitReadyWithIssuer(String ns, String name) {
    SecureRegistry r = awaitReady(ns, name);
    proxy.alias(name + ".example.com", ns, name);
    proxy.alias(name + "-auth.example.com", ns, name + "-auth", 5001);
    await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, name + "-auth").stream()
        .anyMatch(Kubelet.Pod::ready));
    return r;
  }

  /**
   * mock-oauth2-server on 127.0.0.1 (any free port), serving HTTPS with {@code cert}; pass its
   * URL through {@link #podReachable} for the address pods use, which {@code cert} must name.
   */
  static no.nav.security.mock.oauth2.MockOAuth2Server httpsOidcProvider(
      dev.portcullis.operator.testsupport.SelfSignedCertificate cert) throws IOException {
    String password = "provider-" + java.util.UUID.randomUUID();
    var provider = new no.nav.security.mock.oauth2.MockOAuth2Server(
        new no.nav.security.mock.oauth2.OAuth2Config(false, null, null, false,
            new no.nav.security.mock.oauth2.token.OAuth2TokenProvider(), java.util.Set.of(),
            new no.nav.security.mock.oauth2.http.MockWebServerWrapper(
                new no.nav.security.mock.oauth2.http.Ssl(new no.nav.security.mock.oauth2.http.SslKeystore(
                    password, cert.pkcs12(password).toFile(),
                    no.nav.security.mock.oauth2.http.SslKeystore.KeyStoreType.PKCS12, password)))));
    provider.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    return provider;
  }

  /** A Secret {@code ns/name} holding {@code ca.crt}, as a user makes one for a sample's caSecretRef. */
  static void caSecret(String ns, String name, String caPem) {
    cluster.client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
        .withName(name).withNamespace(ns).endMetadata()
        .withStringData(Map.of("ca.crt", caPem)).build()).create();
  }

  /**
   * The ID token a GitHub Actions job gets from ACTIONS_ID_TOKEN_REQUEST_URL with
   * {@code &audience=AUDIENCE}, signed by the provider's key for {@code issuer}.
   */
  static String ciIdToken(no.nav.security.mock.oauth2.MockOAuth2Server provider, String issuer,
      String audience, String owner, String repository, String ref, Duration lifetime) {
    return provider.anyToken(okhttp3.HttpUrl.get(issuer), Map.of(
        "sub", "repo:" + repository + ":ref:" + ref, "aud", audience,
        "repository", repository, "repository_owner", owner, "ref", ref,
        "event_name", "push"), lifetime).serialize();
  }

  /**
   * A client refused with a 401 or 403 (the user's mistake), not a server error. skopeo says a
   * login's 401 as "invalid username/password".
   */
  static void assertRefused(Exec.Result result, String what) {
    assertThat(result.ok()).as("%s: %s", what, result.describe()).isFalse();
    assertThat(result.output()).as(what)
        .containsPattern("(?i)invalid username/password|unauthorized|denied|401|403")
        .doesNotContainPattern("(?i)\\b50[0-9]\\b|internal server error");
  }

  /**
   * Journey 10: samples/pull-through-cache.yaml. A Distribution registry with TLS and an htpasswd
   * account stands for docker.io (the admin has allowed the name, MockCluster's tenancy); the user
   * points the sample's upstream at it with its CA and account. The node agent, run from its
   * DaemonSet, makes the cache docker.io's mirror on the node; containerd pulls
   * {@code docker.io/library/busybox:1.36}, a name with nothing of the cache in it, through it.
   * Then docker.io goes down, and a node that never had the image still pulls it from the cache.
   */
  @Test
  void journey10_pullThroughCacheSample(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j10-cache");
    try (var hub = new dev.portcullis.operator.testsupport.DistributionUpstream(
        tmp.resolve("docker.io"), podSideAddresses())) {
      String hubUrl = podReachable(hub.url());
      String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 101);
      var publisher = new ClusterSkopeo(tmp.resolve("publisher"), proxy.url(), hub.caPem());
      publisher.login(hub.hostPort(), dev.portcullis.operator.testsupport.DistributionUpstream.USER,
          hub.password()).orThrow();
      publisher.push(tmp.resolve("image"), "latest", hub.hostPort() + "/library/busybox:1.36")
          .orThrow();
      int publishedLog = hub.log().length();

      // the user's one addition: the stand-in's CA, which Docker Hub's public one needs not
      cluster.client.resource(Registries.secret(ns, "docker-hub-ca",
          Map.of("ca.crt", hub.caPem()))).create();
      applySample("pull-through-cache.yaml", ns, item -> {
        if (item instanceof Secret s && "lampion-docker-hub".equals(s.getMetadata().getName())) {
          s.setStringData(Map.of("username", dev.portcullis.operator.testsupport
              .DistributionUpstream.USER, "password", hub.password()));
        } else if ("SecureRegistry".equals(item.getKind())) {
          SecureRegistry r = typed(item);
          var dockerIo = r.getSpec().proxy.upstreams.get(0);
          assertThat(dockerIo.name).isEqualTo("docker.io");
          // this cluster has no Internet: ghcr.io could never answer, and an upstream that has not
          // answered once keeps the cache unready (UpstreamReadiness), so the user drops it
          assertThat(r.getSpec().proxy.upstreams.get(1).name).isEqualTo("ghcr.io");
          r.getSpec().proxy.upstreams = List.of(dockerIo);
          dockerIo.url = hubUrl;
          dockerIo.caSecretRef = new dev.portcullis.operator.api.AuthSpec.SecretKeyRef();
          dockerIo.caSecretRef.name = "docker-hub-ca";
          return r;
        }
        return item;
      });
      awaitReady(ns, "lampion");

      Path certsD = kubelet.nodeRoot().resolve("etc/containerd/certs.d");
      await().atMost(READY_TIMEOUT).until(() -> Files.isRegularFile(
          certsD.resolve("docker.io").resolve("hosts.toml")));
      assertThat(Files.readString(certsD.resolve("docker.io").resolve("hosts.toml")))
          .contains("server = \"" + hubUrl + "\"", "[host.\"https://localhost:30502\"]",
              "client = [[\"client.crt\", \"client.key\"]]");
      assertThat(nodePorts.failures()).as("kube-proxy's NodePort").doesNotContainKey(30502);

      String ref = "docker.io/library/busybox:1.36";
      try (var node = ClusterNode.start(proxy.url())) {
        assertNodePulls(node, ref, certsD, null, digest);
      }
      // stored under the upstream's name in the cache's volume; the account came from the Secret
      assertThat(kubelet.claimDir(ns, "lampion-data")
          .resolve("docker/registry/v2/repositories/docker.io/library/busybox")).isDirectory();
      // the cache (a Java client, where the publisher was skopeo) fetched with the account
      assertThat(hub.log().substring(publishedLog)).as("the cache's requests to docker.io")
          .contains("msg=\"authorized request\"",
              "\"GET /v2/library/busybox/manifests/1.36 HTTP/2.0\" 200 ")
          .containsPattern("/v2/library/busybox/manifests/1.36 HTTP/2.0\" 200 .*Java-http-client");

      hub.stop();
      try (var otherNode = ClusterNode.start(proxy.url())) {
        assertNodePulls(otherNode, ref, certsD, null, digest);
      }
      for (Kubelet.Pod pod : kubelet.pods(ns, "lampion")) {
        assertThat(pod.logText()).doesNotContain(hub.password());
      }
      for (var cm : cluster.client.configMaps().inNamespace(ns).list().getItems()) {
        assertThat(String.valueOf(cm.getData())).doesNotContain(hub.password());
      }
    } finally {
      // its NodePort and processes go before the next journeys start theirs
      cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("lampion").delete();
    }
  }

  /** A person under ou=people whose memberOf names {@code groups} under ou=groups. */
  static void ldapPerson(dev.portcullis.operator.testsupport.LdapsDirectory directory, String base,
      String uid, String password, String... groups) throws Exception {
    var lines = new java.util.ArrayList<>(List.of("dn: uid=" + uid + ",ou=people," + base,
        "objectClass: person", "objectClass: inetOrgPerson", "uid: " + uid, "cn: " + uid,
        "sn: " + uid, "userPassword: " + password));
    for (String g : groups) {
      lines.add("memberOf: cn=" + g + ",ou=groups," + base);
    }
    directory.add(lines.toArray(String[]::new));
  }

  // ---- helpers ----

  static String useNamespace(String ns) {
    namespace = ns;
    cluster.client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
        .build()).createOr(n -> n.update());
    return ns;
  }

  static final java.util.Set<String> CLUSTER_SCOPED = java.util.Set.of("ClusterIssuer", "Namespace",
      "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition");

  /** Applies samples/NAME into {@code ns}, as {@code kubectl apply -n ns -f} would. */
  static List<HasMetadata> applySample(String name, String ns) throws IOException {
    return applySample(name, ns, item -> item);
  }

  /** As {@link #applySample(String, String)}, with the user's edits of the file first. */
  static List<HasMetadata> applySample(String name, String ns,
      java.util.function.UnaryOperator<HasMetadata> edit) throws IOException {
    byte[] yaml = Files.readAllBytes(Path.of("..", "samples", name));
    List<HasMetadata> items = cluster.client.load(new ByteArrayInputStream(yaml)).items().stream()
        .map(edit).toList();
    for (HasMetadata item : items) {
      if (CLUSTER_SCOPED.contains(item.getKind())) {
        cluster.client.resource(item).createOr(i -> i.update()); // kubectl ignores -n for these
      } else {
        item.getMetadata().setNamespace(ns);
        cluster.client.resource(item).inNamespace(ns).create();
      }
    }
    return items;
  }

  /** A SecureRegistry of a sample (loaded as a generic resource), to edit as a user edits the file. */
  static SecureRegistry typed(HasMetadata item) {
    return cluster.client.getKubernetesSerialization().convertValue(item, SecureRegistry.class);
  }

  /** containerd pulls {@code ref} through {@code hostsDir} and gets the image {@code digest}. */
  /**
   * Journey 13: samples/credential-provider.yaml, a pod pulling with no imagePullSecrets. The node
   * agent's pod installs the kubelet image credential provider into the node's bin dir (its own
   * Java runtime and jar, the node has none) and writes the kubelet's CredentialProviderConfig;
   * the installed launcher, run as the kubelet runs it with a recorded KEP-4412 request carrying a
   * ServiceAccount token the API server issued for the config's audience, answers with that
   * token; the node's containerd pulls the pod's namespace's image with it, and no other
   * namespace's.
   */
  @Test
  void journey13_credentialProvider(@TempDir Path tmp) throws Exception {
    String ns = useNamespace("j13-provider");
    cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName("web")
        .withNamespace(ns).endMetadata().build()).create();
    applySample("credential-provider.yaml", ns);
    SecureRegistry r = awaitReady(ns, "seraphin");
    await().atMost(READY_TIMEOUT).until(() -> kubelet.pods(ns, "seraphin-auth").stream()
        .anyMatch(Kubelet.Pod::ready));
    String endpoint = "seraphin." + ns + ".svc:5000";
    var ci = new ClusterSkopeo(tmp.resolve("ci"), proxy.url(), r.getStatus().caBundle);
    ci.login(endpoint, "ci", "change-me-please").orThrow();
    String digest = ClusterSkopeo.makeImage(tmp.resolve("image"), 1, 0.2, 13);
    ci.push(tmp.resolve("image"), "latest", endpoint + "/" + ns + "/web:1").orThrow();
    ci.push(tmp.resolve("image"), "latest", endpoint + "/other/web:1").orThrow();

    // what the node agent's pod installed on the node (hostPath folders of the kubelet)
    Path node = kubelet.nodeRoot();
    Path launcher = node.resolve("usr/local/lib/portcullis/credential-provider/"
        + "portcullis-credential-provider." + ns + ".seraphin");
    Path config = node.resolve("etc/kubernetes/image-credential-provider/config.yaml");
    await().atMost(READY_TIMEOUT).until(() -> Files.isExecutable(launcher)
        && Files.isRegularFile(config) && Files.readString(config).contains(ns + ".seraphin"));
    Map<String, Object> root = new org.yaml.snakeyaml.Yaml().load(Files.readString(config));
    @SuppressWarnings("unchecked")
    Map<String, Object> provider = ((List<Map<String, Object>>) root.get("providers")).stream()
        .filter(p -> launcher.getFileName().toString().equals(p.get("name"))).findFirst()
        .orElseThrow();
    assertThat(root.get("apiVersion")).isEqualTo("kubelet.config.k8s.io/v1");
    assertThat(provider.get("matchImages")).asList().contains("localhost:30510", endpoint);
    assertThat(provider.get("tokenAttributes")).isEqualTo(Map.of("serviceAccountTokenAudience",
        "https://seraphin.lan", "requireServiceAccount", true, "cacheType", "Token"));

    // the kubelet's side: the pod's token for the provider's audience, the recorded request
    String token = cluster.client.serviceAccounts().inNamespace(ns).withName("web")
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withAudiences("https://seraphin.lan")
            .withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
    String image = "localhost:30510/" + ns + "/web:1";
    var request = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson
        .databind.ObjectMapper().readTree(Files.readString(Path.of("..", "registry-image", "src",
            "test", "resources", "credentialprovider", "request-v1-serviceaccount.json")));
    request.put("image", image).put("serviceAccountToken", token);
    @SuppressWarnings("unchecked")
    var command = new java.util.ArrayList<String>(List.of(launcher.toString()));
    command.addAll((List<String>) provider.get("args"));
    Process run = new ProcessBuilder(command).redirectError(tmp.resolve("provider.err").toFile())
        .start();
    try (var in = run.getOutputStream()) {
      in.write(request.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String answer = new String(run.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as("%s %s", answer, Files.readString(tmp.resolve("provider.err")))
        .isZero();
    var auth = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer).path("auth")
        .path("localhost:30510");
    assertThat(auth.path("password").asText()).isEqualTo(token);

    Path certsD = node.resolve("etc/containerd/certs.d");
    try (var containerd = ClusterNode.start(proxy.url())) {
      String userPass = auth.path("username").asText() + ":" + token;
      assertNodePulls(containerd, image, certsD, userPass, digest);
      assertThat(containerd.pull("localhost:30510/other/web:1", certsD, userPass).ok())
          .as("another namespace's image").isFalse();
    }
  }

  static void assertNodePulls(ClusterNode node, String ref, Path hostsDir, String userPass,
      String digest) {
    Exec.Result pulled = node.pull(ref, hostsDir, userPass);
    assertThat(pulled.ok()).as("%s\ncontainerd log:\n%s", pulled.describe(), node.readLog())
        .isTrue();
    assertThat(node.imageDigest(ref)).isEqualTo(digest);
  }

  /** A namespace with its default ServiceAccount (the mock server has no controller making it). */
  static void namespaceWithDefaultServiceAccount(String name, Map<String, String> labels) {
    // every namespace of the journeys is opened by the admin (MockCluster's tenancy settings)
    var all = new java.util.HashMap<>(labels);
    all.putAll(MockCluster.OPEN_TO_PULL_SECRETS);
    cluster.client.resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(all).endMetadata().build()).createOr(n -> n.update());
    cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
        .withNamespace(name).endMetadata().build()).createOr(n -> n.update());
  }

  /** A skopeo that presents the client certificate of the operator's Secret {@code ns/secret}. */
  static ClusterSkopeo withClientCertificate(Path root, String ns, String secret, String caPem) {
    Secret s = cluster.client.secrets().inNamespace(ns).withName(secret).get();
    assertThat(s).as("client certificate Secret %s/%s", ns, secret).isNotNull();
    var skopeo = new ClusterSkopeo(root, proxy.url(), caPem);
    skopeo.presentCertificate(Registries.decode(s, "tls.crt"), Registries.decode(s, "tls.key"));
    return skopeo;
  }

  /** A token of ServiceAccount {@code ns/account}, as {@code kubectl create token} gets one. */
  static String serviceAccountToken(String ns, String account) {
    return cluster.client.serviceAccounts().inNamespace(ns).withName(account)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L)
            .endSpec().build()).getStatus().getToken();
  }

  static List<Secret> pullSecrets(String ns) {
    return cluster.client.secrets().inNamespace(ns).list().getItems().stream()
        .filter(s -> "kubernetes.io/dockerconfigjson".equals(s.getType())).toList();
  }

  /** "user:password" for {@code registry} from a dockerconfigjson Secret. */
  static String dockerConfigCredentials(Secret secret, String registry) throws IOException {
    var auths = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Registries.decode(secret, ".dockerconfigjson")).path("auths").path(registry);
    if (auths.has("auth")) {
      return new String(Base64.getDecoder().decode(auths.path("auth").asText()),
          StandardCharsets.UTF_8);
    }
    return auths.path("username").asText() + ":" + auths.path("password").asText();
  }

  static SecureRegistry awaitReady(String ns, String name) {
    await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
      SecureRegistry r = cluster.client.resources(SecureRegistry.class).inNamespace(ns)
          .withName(name).get();
      return r != null && r.getStatus() != null && r.getStatus().caBundle != null
          && r.getStatus().condition(ConditionTypes.READY)
              .map(c -> "True".equals(c.getStatus())).orElse(false);
    });
    // docs/gitops.md's Argo CD health check agrees once the rollout is over (kstatus: Current)
    await().atMost(READY_TIMEOUT).untilAsserted(() -> {
      SecureRegistry r = cluster.client.resources(SecureRegistry.class).inNamespace(ns)
          .withName(name).get();
      assertThat(ARGO_CD.evaluate(r).status()).as("Argo CD health of %s/%s", ns, name)
          .isEqualTo("Healthy");
      assertThat(r.getStatus().condition(ConditionTypes.RECONCILING).orElseThrow().getStatus())
          .isEqualTo("False");
    });
    return cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName(name).get();
  }

  static Kubelet.Pod onlyPod(String ns, String name) {
    List<Kubelet.Pod> pods = kubelet.pods(ns, name);
    assertThat(pods).hasSize(1);
    return pods.get(0);
  }

  /** Trusts exactly the given CA bundle. */
  static SSLContext trusting(String caPem) throws Exception {
    var ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    int i = 0;
    for (var cert : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8)))) {
      ks.setCertificateEntry("ca" + i++, cert);
    }
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    var ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** The serial of the certificate a new TLS handshake gets, sending {@code host} as SNI. */
  static BigInteger servedSerial(SSLContext tls, Kubelet.Pod pod, String host) throws Exception {
    var address = pod.address(new IntOrString("registry"));
    try (var s = (SSLSocket) tls.getSocketFactory().createSocket(address.getAddress(),
        address.getPort())) {
      var params = s.getSSLParameters();
      params.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
      s.setSSLParameters(params);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  static BigInteger secretSerial(String ns, String secret) throws Exception {
    Secret s = cluster.client.secrets().inNamespace(ns).withName(secret).get();
    return FakeCertManager.readCert(Registries.decode(s, "tls.crt")).getSerialNumber();
  }

  /**
   * GET on a new connection to the pod, verifying the certificate against the CA and the Service
   * name (the connection goes to 127.0.0.1, the name check is done here instead).
   */
  static int get(SSLContext tls, Kubelet.Pod pod, String host, String path, String userPass)
      throws Exception {
    var address = pod.address(new IntOrString("registry"));
    var conn = (HttpsURLConnection) URI.create("https://" + address.getAddress().getHostAddress()
        + ":" + address.getPort() + path).toURL().openConnection(java.net.Proxy.NO_PROXY);
    conn.setSSLSocketFactory(tls.getSocketFactory());
    conn.setHostnameVerifier((h, session) -> {
      try {
        var cert = (X509Certificate) session.getPeerCertificates()[0];
        return cert.getSubjectAlternativeNames().stream().anyMatch(n -> host.equals(n.get(1)));
      } catch (Exception e) {
        return false;
      }
    });
    conn.setConnectTimeout(5000);
    conn.setReadTimeout(5000);
    conn.setRequestProperty("Connection", "close");
    if (userPass != null) {
      conn.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
          .encodeToString(userPass.getBytes(StandardCharsets.UTF_8)));
    }
    try {
      return conn.getResponseCode();
    } finally {
      conn.disconnect();
    }
  }

  /** What the operator's status said, and each process's log tail. */
  static String report() {
    var sb = new StringBuilder("\n======== end-to-end failure report (namespace " + namespace
        + ") ========\n");
    try {
      for (SecureRegistry r : cluster.client.resources(SecureRegistry.class).inAnyNamespace()
          .list().getItems()) {
        if (namespace != null && !namespace.equals(r.getMetadata().getNamespace())) {
          continue;
        }
        sb.append("SecureRegistry ").append(r.getMetadata().getNamespace()).append('/')
            .append(r.getMetadata().getName()).append(" status:\n")
            .append(cluster.client.getKubernetesSerialization().asYaml(r.getStatus()));
      }
      for (Deployment d : cluster.client.apps().deployments().inNamespace(namespace).list()
          .getItems()) {
        sb.append("Deployment ").append(d.getMetadata().getName()).append(" status: ")
            .append(cluster.client.getKubernetesSerialization().asJson(d.getStatus()))
            .append('\n');
      }
    } catch (Exception e) {
      sb.append("(cannot read status: ").append(e).append(")\n");
    }
    sb.append(kubelet == null ? "" : kubelet.report(namespace, 40));
    // the node agent runs in the operator's namespace, for every journey
    sb.append(kubelet == null ? "" : kubelet.report(NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE, 20));
    if (nodePorts != null && !nodePorts.failures().isEmpty()) {
      sb.append("NodePorts not opened: ").append(nodePorts.failures()).append('\n');
    }
    return sb.toString();
  }
}
