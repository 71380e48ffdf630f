package dev.portcullis.operator.testsupport.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet stand-in's file handling, without processes or an API server. */
class KubeletTest {

  @Test
  void pathsUnderMountsAreRewrittenOnceAndOthersKept() {
    var mounts = new LinkedHashMap<String, Path>();
    mounts.put("/tmp", Path.of("/tmp/pcl/pod/tmp"));
    mounts.put("/etc/portcullis/tls", Path.of("/tmp/pcl/pod/mounts/etc/portcullis/tls"));
    mounts.put("/var/lib/registry", Path.of("/tmp/pcl/volumes/ns/reg-data"));
    String config = """
        storage:
          filesystem:
            rootdirectory: /var/lib/registry
        http:
          tls:
            certificate: /etc/portcullis/tls/tls.crt
            clientcas: ["/etc/portcullis/tls/ca.crt"]
          other: /etc/portcullis/tlsx/keep /var/lib/registry2 x/tmp/y /tmp
        """;
    assertThat(Kubelet.rewritePaths(config, mounts)).isEqualTo("""
        storage:
          filesystem:
            rootdirectory: /tmp/pcl/volumes/ns/reg-data
        http:
          tls:
            certificate: /tmp/pcl/pod/mounts/etc/portcullis/tls/tls.crt
            clientcas: ["/tmp/pcl/pod/mounts/etc/portcullis/tls/ca.crt"]
          other: /etc/portcullis/tlsx/keep /var/lib/registry2 x/tmp/y /tmp/pcl/pod/tmp
        """);
  }

  @Test
  void listenAddressesOfDeclaredPortsPointAtThePodsLocalPorts() {
    String config = """
        server:
          addr: ":5001"
          certificate: /etc/auth/tls.crt
        http:
          addr: :5000
          debug:
            addr: 0.0.0.0:9000
        upstream: {addr: ":5001"}
        """;
    assertThat(Kubelet.rewriteListenAddresses(config, Map.of(5001, 40001, 5000, 40000)))
        .isEqualTo("""
            server:
              addr: "127.0.0.1:40001"
              certificate: /etc/auth/tls.crt
            http:
              addr: 127.0.0.1:40000
              debug:
                addr: 0.0.0.0:9000
            upstream: {addr: ":5001"}
            """);
  }

  @Test
  void podsRunWithTheImagesFlagsAndEnvironment() {
    var image = ImageEntrypoint.of(Path.of("..", "registry-image"));
    assertThat(image.jvmArguments()).singleElement().asString().startsWith("@")
        .endsWith("registry-image/jvm.options");
    assertThat(image.environment()).containsEntry("MALLOC_ARENA_MAX", "2");
  }

  @Test
  void atomicWriterSwapsDataLinkAndDropsOldFiles(@TempDir Path dir) throws Exception {
    Kubelet.AtomicWriter.write(dir, Map.of("tls.crt", bytes("one"), "tls.key", bytes("k1")));
    assertThat(Files.isSymbolicLink(dir.resolve("..data"))).isTrue();
    assertThat(Files.readSymbolicLink(dir.resolve("tls.crt"))).isEqualTo(Path.of("..data/tls.crt"));
    assertThat(Files.readString(dir.resolve("tls.crt"))).isEqualTo("one");
    Path first = dir.resolve(Files.readSymbolicLink(dir.resolve("..data")));

    Kubelet.AtomicWriter.write(dir, Map.of("tls.crt", bytes("two")));
    assertThat(Files.readString(dir.resolve("tls.crt"))).isEqualTo("two");
    assertThat(dir.resolve("tls.key")).doesNotExist(); // a key that went away
    assertThat(first).doesNotExist();
    assertThat(dir.resolve("..data_tmp")).doesNotExist();
    try (var entries = Files.list(dir)) {
      assertThat(entries.map(p -> p.getFileName().toString()))
          .filteredOn(n -> n.startsWith("..") && !n.equals("..data")).hasSize(1);
    }
  }

  /**
   * A projected volume as the kubelet writes it: the listed keys of each Secret and ConfigMap at
   * their paths, each item's mode or else the volume's defaultMode; an optional source that is
   * absent adds nothing, a required one (or a listed key it lacks) holds the pod.
   */
  @Test
  void projectedVolumesWriteTheirSourcesItemsWithKubernetesFileModes(@TempDir Path dir)
      throws Exception {
    try (var cluster = new dev.portcullis.operator.testsupport.MockCluster(false)) {
      var client = cluster.client;
      client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
          .withName("bind").withNamespace("ns").endMetadata()
          .addToStringData("password", "s3cret").addToStringData("unlisted", "x").build()).create();
      client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
          .withName("trust").withNamespace("ns").endMetadata()
          .addToData("ca.crt", "PEM").addToData("script", "#!/bin/sh").build()).create();
      var volume = new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("secrets")
          .withNewProjected().withDefaultMode(0440)
          .addNewSource().withNewSecret().withName("bind")
          .addNewItem("password", null, "ldap/bind-password").endSecret().endSource()
          .addNewSource().withNewConfigMap().withName("trust")
          .addNewItem("ca.crt", null, "ldap/ca.crt").addNewItem("script", 0755, "run")
          .endConfigMap().endSource()
          .addNewSource().withNewSecret().withName("absent").withOptional(true).endSecret()
          .endSource()
          .endProjected().build();

      var contents = VolumeFiles.of(volume, client, "ns", text -> text);
      assertThat(contents.ready()).isTrue();
      assertThat(contents.files()).containsOnlyKeys("ldap/bind-password", "ldap/ca.crt", "run");
      Kubelet.AtomicWriter.writeFiles(dir, contents.files());
      assertThat(Files.readString(dir.resolve("ldap/bind-password"))).isEqualTo("s3cret");
      assertThat(Files.readString(dir.resolve("ldap/ca.crt"))).isEqualTo("PEM");
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve("ldap/bind-password"))))
          .isEqualTo("r--r-----");
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve("run")))).isEqualTo("rwxr-xr-x");
      assertThat(Files.readSymbolicLink(dir.resolve("ldap"))).isEqualTo(Path.of("..data/ldap"));

      // a changed source changes the version the kubelet compares before rewriting
      client.secrets().inNamespace("ns").withName("bind").edit(
          s -> new io.fabric8.kubernetes.api.model.SecretBuilder(s)
              .addToStringData("password", "rotated").build());
      assertThat(VolumeFiles.of(volume, client, "ns", text -> text).version())
          .isNotEqualTo(contents.version());

      // plain Secret volume without defaultMode: 0644, Kubernetes' default
      var plain = new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("plain")
          .withNewSecret().withSecretName("bind").endSecret().build();
      assertThat(VolumeFiles.of(plain, client, "ns", text -> text).files().values())
          .extracting(VolumeFiles.File::mode).containsOnly(0644);

      var missingKey = new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("m")
          .withNewProjected().addNewSource().withNewSecret().withName("bind")
          .addNewItem("nope", null, "nope").endSecret().endSource().endProjected().build();
      assertThat(VolumeFiles.of(missingKey, client, "ns", text -> text).missing())
          .isEqualTo("key nope not found in Secret bind");
      var missingObject = new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("o")
          .withNewProjected().addNewSource().withNewConfigMap().withName("gone").endConfigMap()
          .endSource().endProjected().build();
      assertThat(VolumeFiles.of(missingObject, client, "ns", text -> text).missing())
          .isEqualTo("ConfigMap gone not found");
    }
  }

  /**
   * Pod Security admission as a real cluster applies it to a DaemonSet's pods: refused in a
   * namespace labelled restricted, no pod runs, the DaemonSet controller records FailedCreate with
   * the admission plugin's message and its status counts the missing pod.
   */
  @Test
  void aDaemonSetRefusedByPodSecurityRecordsFailedCreateAndRunsNothing(@TempDir Path dir)
      throws Exception {
    try (var cluster = new dev.portcullis.operator.testsupport.MockCluster(false)) {
      var client = cluster.client;
      client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
          .withName("locked").addToLabels(PodSecurityStandards.ENFORCE_LABEL, "restricted")
          .endMetadata().build()).create();
      client.resource(dev.portcullis.operator.model.NodeTrustModel.daemonSet("locked", "img",
          java.util.Optional.empty())).create();
      var kubelet = new Kubelet(client, Path.of("..", "registry-image", "target",
          "portcullis-registry.jar"), dir);
      kubelet.sync();
      kubelet.sync();
      assertThat(kubelet.pods("locked", "portcullis-node-agent")).isEmpty();
      var ds = client.apps().daemonSets().inNamespace("locked").withName("portcullis-node-agent")
          .get();
      assertThat(ds.getStatus().getDesiredNumberScheduled()).isEqualTo(1);
      assertThat(ds.getStatus().getCurrentNumberScheduled()).isZero();
      assertThat(ds.getStatus().getNumberUnavailable()).isEqualTo(1);
      var events = client.v1().events().inNamespace("locked").list().getItems();
      assertThat(events).singleElement().satisfies(e -> {
        assertThat(e.getReason()).isEqualTo("FailedCreate");
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getInvolvedObject().getKind()).isEqualTo("DaemonSet");
        assertThat(e.getInvolvedObject().getName()).isEqualTo("portcullis-node-agent");
        assertThat(e.getMessage()).startsWith("Error creating: pods \"portcullis-node-agent-")
            .contains("is forbidden: violates PodSecurity \"restricted:latest\": ",
                "hostPath volumes (volume \"certs-d\")");
        assertThat(e.getCount()).as("the same refusal is counted, not re-recorded").isEqualTo(1);
      });
      kubelet.close();
    }
  }

  /**
   * Pods are reported as a kubelet reports them: a registry whose config cannot be read exits 2
   * and is restarted, its Pod object in CrashLoopBackOff with the restart count and, under
   * FallbackToLogsOnError, its last log lines in lastState; an image the node cannot pull leaves
   * the container waiting in ErrImagePull or ImagePullBackOff, naming the image.
   */
  @Test
  void podObjectsCarryTheContainersStateAsTheKubeletWritesIt(@TempDir Path dir) throws Exception {
    try (var cluster = new dev.portcullis.operator.testsupport.MockCluster(false);
         var kubelet = new Kubelet(cluster.client, Path.of("..", "registry-image", "target",
             "portcullis-registry.jar"), dir).start()) {
      var client = cluster.client;
      client.resource(deployment("crash", "ghcr.io/portcullis-dev/portcullis-registry:test",
          "serve", "/etc/portcullis/none/config.yml")).create();
      client.resource(deployment("nopull", "127.0.0.1:1/nothing/here:1", "serve", "x")).create();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).ignoreExceptions()
          .untilAsserted(() -> {
            var pod = onlyPod(client, "crash");
            assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getKind() + "/" + o.getName())
                    .isEqualTo("Deployment/crash"));
            assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
            var c = pod.getStatus().getContainerStatuses().get(0);
            assertThat(c.getRestartCount()).isPositive();
            assertThat(c.getReady()).isFalse();
            assertThat(c.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
            var last = c.getLastState().getTerminated();
            assertThat(last.getExitCode()).isEqualTo(2);
            assertThat(last.getReason()).isEqualTo("Error");
            assertThat(last.getMessage()).contains("/etc/portcullis/none/config.yml")
                .doesNotContain("---- ");
            assertThat(pod.getStatus().getConditions()).extracting(x -> x.getType() + "="
                + x.getStatus()).contains("PodScheduled=True", "Ready=False");
          });
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions()
          .untilAsserted(() -> {
            var pod = onlyPod(client, "nopull");
            assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
            var waiting = pod.getStatus().getContainerStatuses().get(0).getState().getWaiting();
            assertThat(waiting.getReason()).isIn("ErrImagePull", "ImagePullBackOff");
            assertThat(waiting.getMessage()).contains("127.0.0.1:1/nothing/here:1");
          });
      // the pod goes with its Deployment
      client.apps().deployments().inNamespace("default").withName("nopull").delete();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions()
          .untilAsserted(() -> assertThat(client.pods().inNamespace("default")
              .withLabel("app", "nopull").list().getItems()).isEmpty());
    }
  }

  private static io.fabric8.kubernetes.api.model.Pod onlyPod(
      io.fabric8.kubernetes.client.KubernetesClient client, String app) {
    var pods = client.pods().inNamespace("default").withLabel("app", app).list().getItems();
    assertThat(pods).hasSize(1);
    assertThat(pods.get(0).getStatus()).isNotNull();
    return pods.get(0);
  }

  private static io.fabric8.kubernetes.api.model.apps.Deployment deployment(String name,
      String image, String... args) {
    return new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace("default")
          .addToLabels("app.kubernetes.io/managed-by", "portcullis-operator").endMetadata()
        .withNewSpec().withReplicas(1)
          .withNewSelector().addToMatchLabels("app", name).endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName("registry").withImage(image)
              .withArgs(args).withTerminationMessagePolicy("FallbackToLogsOnError")
            .endContainer().endSpec()
          .endTemplate()
        .endSpec().build();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
