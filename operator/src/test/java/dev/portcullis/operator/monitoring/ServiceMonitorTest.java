package dev.portcullis.operator.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.MonitoringSpec;
import dev.portcullis.operator.api.NetworkPolicySpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceMonitorSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.MonitoringModel;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.ServerDefaults;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * spec.monitoring.serviceMonitor against the mock API server in CRUD mode: the ServiceMonitor
 * and its metrics Service appear when the Prometheus Operator's CRD exists, are owned by the
 * registry, stay untouched at rest and go when turned off; without the CRD a condition says so
 * and the registry still becomes Ready.
 */
class ServiceMonitorTest {

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

  /** The Prometheus Operator's CRD (its name and scope: the mock server validates nothing). */
  static void installPrometheusOperator(MockCluster c) {
    c.client.resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(MonitoringModel.CRD).endMetadata()
        .withNewSpec().withGroup(MonitoringModel.GROUP).withScope("Namespaced")
          .withNewNames().withPlural(MonitoringModel.PLURAL).withKind(MonitoringModel.KIND)
          .endNames()
          .addNewVersion().withName(MonitoringModel.VERSION).withServed(true).withStorage(true)
          .endVersion()
        .endSpec().build()).create();
  }

  static SecureRegistry monitored(String ns, String name) {
    var r = Registries.tls(Registries.basic(ns, name), TlsSpec.Mode.Disabled);
    r.getSpec().monitoring = new MonitoringSpec();
    r.getSpec().monitoring.serviceMonitor = new ServiceMonitorSpec();
    r.getSpec().monitoring.serviceMonitor.enabled = true;
    return r;
  }

  static SecureRegistry get(MockCluster c, String ns, String name) {
    return c.client.resources(SecureRegistry.class).inNamespace(ns).withName(name).get();
  }

  static GenericKubernetesResource serviceMonitor(MockCluster c, String ns, String name) {
    return c.client.genericKubernetesResources(MonitoringModel.GROUP + "/"
        + MonitoringModel.VERSION, MonitoringModel.KIND).inNamespace(ns).withName(name).get();
  }

  static String condition(SecureRegistry r, String type) {
    return r.getStatus().condition(type).map(c -> c.getStatus() + " " + c.getReason() + ": "
        + c.getMessage()).orElse("absent");
  }

  static void markRolledOut(MockCluster c, String ns, String name) {
    var d = c.client.resources(Deployment.class).inNamespace(ns).withName(name).get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withUpdatedReplicas(1)
        .withReadyReplicas(1).withAvailableReplicas(1)
        .withObservedGeneration(d.getMetadata().getGeneration()).build());
    c.client.resource(d).updateStatus();
  }

  @Test
  void withoutTheCrdAConditionSaysSoAndTheRegistryIsReadyAnyway() throws Exception {
    try (var bare = new MockCluster(false).startOperator()) {
      String ns = "nocrd";
      bare.client.resource(monitored(ns, "reg")).create();
      await().until(() -> bare.client.resources(Deployment.class).inNamespace(ns)
          .withName("reg").get() != null);
      markRolledOut(bare, ns, "reg");
      await().untilAsserted(() -> {
        var r = get(bare, ns, "reg");
        assertThat(condition(r, ConditionTypes.MONITORING_UNAVAILABLE)).isEqualTo(
            "True ServiceMonitorCRDMissing: the Prometheus Operator's CRD"
                + " servicemonitors.monitoring.coreos.com is not installed: install the Prometheus"
                + " Operator (e.g. the kube-prometheus-stack chart), or set"
                + " monitoring.serviceMonitor.enabled: false; the registry serves either way,"
                + " unscraped");
        assertThat(condition(r, ConditionTypes.READY)).startsWith("True Ready");
        assertThat(condition(r, ConditionTypes.STALLED)).startsWith("False");
        assertThat(r.getStatus().phase).isEqualTo("Ready");
      });
      assertThat(bare.client.services().inNamespace(ns).withName("reg-metrics").get()).isNull();

      // installing the Prometheus Operator heals it on the next reconcile, without a restart
      installPrometheusOperator(bare);
      bare.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").edit(r -> {
        r.getSpec().monitoring.serviceMonitor.interval = "30s";
        return r;
      });
      await().untilAsserted(() -> {
        assertThat(serviceMonitor(bare, ns, "reg")).isNotNull();
        assertThat(condition(get(bare, ns, "reg"), ConditionTypes.MONITORING_UNAVAILABLE))
            .startsWith("False ServiceMonitorCreated");
      });
    }
  }

  @Test
  void theServiceMonitorScrapesTheMetricsPortOfTheRegistryPodsAndIsOwned() {
    installIfMissing();
    String ns = "scraped";
    var r = monitored(ns, "reg");
    r.getSpec().monitoring.serviceMonitor.interval = "1m";
    r.getSpec().monitoring.serviceMonitor.scrapeTimeout = "15s";
    r.getSpec().monitoring.serviceMonitor.labels = Map.of("release", "kube-prometheus-stack",
        "app.kubernetes.io/managed-by", "someone-else");
    cluster.client.resource(r).create();
    await().until(() -> serviceMonitor(cluster, ns, "reg") != null
        && cluster.client.services().inNamespace(ns).withName("reg-metrics").get() != null
        && cluster.client.resources(Deployment.class).inNamespace(ns).withName("reg").get()
            != null);
    var registry = get(cluster, ns, "reg");
    var sm = serviceMonitor(cluster, ns, "reg");
    var metrics = cluster.client.services().inNamespace(ns).withName("reg-metrics").get();
    var client = cluster.client.services().inNamespace(ns).withName("reg").get();
    var deployment = cluster.client.resources(Deployment.class).inNamespace(ns).withName("reg")
        .get();

    // owned: garbage-collected with the registry, and shown under it
    for (var owned : List.of(sm.getMetadata(), metrics.getMetadata())) {
      assertThat(owned.getOwnerReferences()).singleElement().satisfies(o -> {
        assertThat(o.getUid()).isEqualTo(registry.getMetadata().getUid());
        assertThat(o.getController()).isTrue();
      });
    }
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack")
        .containsEntry("app.kubernetes.io/managed-by", "portcullis-operator");

    // the ServiceMonitor selects the metrics Service, and only it
    @SuppressWarnings("unchecked")
    var spec = (Map<String, Object>) sm.getAdditionalProperties().get("spec");
    @SuppressWarnings("unchecked")
    var selector = (Map<String, String>) ((Map<String, Object>) spec.get("selector"))
        .get("matchLabels");
    assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(selector);
    assertThat(client.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .as("the client Service is not scraped").isFalse();
    assertThat(spec.get("endpoints")).isEqualTo(List.of(Map.of("port", "metrics",
        "scheme", "http", "path", "/metrics", "interval", "1m", "scrapeTimeout", "15s")));

    // the metrics Service reaches the registry pods' debug port, where config.yml serves /metrics
    assertThat(metrics.getSpec().getClusterIP()).isEqualTo("None");
    var pod = deployment.getSpec().getTemplate();
    assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(metrics.getSpec().getSelector());
    var port = metrics.getSpec().getPorts().get(0);
    assertThat(port.getName()).isEqualTo("metrics");
    assertThat(pod.getSpec().getContainers().get(0).getPorts())
        .anyMatch(p -> p.getName().equals(port.getTargetPort().getStrVal())
            && p.getContainerPort().equals(5001));
    String config = cluster.client.configMaps().inNamespace(ns).withName("reg-config").get()
        .getData().get("config.yml");
    assertThat(config).contains("addr: :5001").contains("path: /metrics");

    await().untilAsserted(() -> assertThat(condition(get(cluster, ns, "reg"),
        ConditionTypes.MONITORING_UNAVAILABLE)).isEqualTo("False ServiceMonitorCreated:"
            + " ServiceMonitor reg scrapes /metrics over http from the pods' debug port 5001"
            + " through the headless Service reg-metrics"));
  }

  @Test
  void turningItOffRemovesTheServiceMonitorAndItsServiceAndTheCondition() {
    installIfMissing();
    String ns = "toggled";
    cluster.client.resource(monitored(ns, "reg")).create();
    await().until(() -> serviceMonitor(cluster, ns, "reg") != null);
    cluster.client.resources(SecureRegistry.class).inNamespace(ns).withName("reg").edit(r -> {
      r.getSpec().monitoring.serviceMonitor.enabled = false;
      return r;
    });
    await().untilAsserted(() -> {
      assertThat(serviceMonitor(cluster, ns, "reg")).isNull();
      assertThat(cluster.client.services().inNamespace(ns).withName("reg-metrics").get())
          .isNull();
      assertThat(condition(get(cluster, ns, "reg"), ConditionTypes.MONITORING_UNAVAILABLE))
          .isEqualTo("absent");
    });
    assertThat(cluster.client.services().inNamespace(ns).withName("reg").get())
        .as("the client Service stays").isNotNull();
  }

  @Test
  void aScrapeTimeoutAboveTheIntervalIsRefusedWithWhatToChange() {
    installIfMissing();
    String ns = "invalid";
    var r = monitored(ns, "reg");
    r.getSpec().monitoring.serviceMonitor.interval = "10s";
    r.getSpec().monitoring.serviceMonitor.scrapeTimeout = "1m";
    cluster.client.resource(r).create();
    await().untilAsserted(() -> {
      var s = get(cluster, ns, "reg");
      String message = "InvalidServiceMonitor: monitoring.serviceMonitor.scrapeTimeout 1m exceeds"
          + " interval 10s: Prometheus refuses such a target";
      assertThat(condition(s, ConditionTypes.MONITORING_UNAVAILABLE))
          .isEqualTo("True " + message);
      assertThat(condition(s, ConditionTypes.STALLED)).isEqualTo("True " + message);
    });
    assertThat(serviceMonitor(cluster, ns, "reg")).isNull();
  }

  @Test
  void aReconcileAtRestWritesNothingOnceTheServerHasDefaultedTheObjects() throws Exception {
    installIfMissing();
    String ns = "atrest";
    var r = monitored(ns, "reg");
    r.getSpec().monitoring.serviceMonitor.interval = "30s";
    r.getSpec().monitoring.serviceMonitor.labels = Map.of("release", "prometheus");
    r.getSpec().networkPolicy = new NetworkPolicySpec();
    r.getSpec().networkPolicy.enabled = true;
    r.getSpec().monitoring.serviceMonitor.scrapeFrom = List.of(prometheusNamespace());
    cluster.client.resource(r).create();
    await().until(() -> serviceMonitor(cluster, ns, "reg") != null
        && cluster.client.services().inNamespace(ns).withName("reg-metrics").get() != null);
    markRolledOut(cluster, ns, "reg");
    await().until(() -> condition(get(cluster, ns, "reg"), ConditionTypes.READY)
        .startsWith("True"));
    Thread.sleep(1000);
    cluster.stopOperator();
    // what a real API server stores: the Service defaulted; the ServiceMonitor (a custom
    // resource, no defaults in its CRD) as sent
    for (var kind : List.of(Map.entry("v1", "Service"),
        Map.entry("networking.k8s.io/v1", "NetworkPolicy"),
        Map.entry(MonitoringModel.GROUP + "/" + MonitoringModel.VERSION, MonitoringModel.KIND))) {
      for (var o : cluster.client.genericKubernetesResources(kind.getKey(), kind.getValue())
          .inNamespace(ns).list().getItems()) {
        var serialization = cluster.client.getKubernetesSerialization();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = serialization.convertValue(o, Map.class);
        ServerDefaults.apply(json);
        cluster.client.resource(serialization.convertValue(json, GenericKubernetesResource.class))
            .update();
      }
    }
    var metrics = cluster.client.services().inNamespace(ns).withName("reg-metrics").get();
    assertThat(metrics.getSpec().getSessionAffinity()).as("defaulted").isEqualTo("None");
    cluster.drainRequests();
    long before = cluster.reconciler.reconcileCount();
    cluster.startOperator();
    await().until(() -> cluster.reconciler.reconcileCount() > before);
    Thread.sleep(1500);
    var writes = new ArrayList<String>();
    for (String w : MockCluster.writes(cluster.requestsSinceDrain())) {
      if (w.contains("/namespaces/" + ns + "/")) {
        writes.add(w);
      }
    }
    assertThat(writes).as("writes of a reconcile at rest").isEmpty();
  }

  @Test
  void withANetworkPolicyOnlyTheNamedScrapersReachTheMetricsPort() {
    installIfMissing();
    String ns = "fenced";
    var open = monitored(ns, "open");
    open.getSpec().networkPolicy = new NetworkPolicySpec();
    open.getSpec().networkPolicy.enabled = true;
    open.getSpec().monitoring.serviceMonitor.scrapeFrom = List.of(prometheusNamespace());
    var closed = monitored(ns, "closed");
    closed.getSpec().networkPolicy = new NetworkPolicySpec();
    closed.getSpec().networkPolicy.enabled = true;
    cluster.client.resource(open).create();
    cluster.client.resource(closed).create();
    await().untilAsserted(() -> {
      var rules = cluster.client.network().v1().networkPolicies().inNamespace(ns)
          .withName("open").get().getSpec().getIngress();
      assertThat(rules).hasSize(2);
      assertThat(rules.get(0).getPorts()).singleElement()
          .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(5000));
      assertThat(rules.get(0).getFrom()).isNullOrEmpty();
      assertThat(rules.get(1).getPorts()).singleElement()
          .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(5001));
      assertThat(rules.get(1).getFrom()).containsExactly(prometheusNamespace());
      assertThat(condition(get(cluster, ns, "open"), ConditionTypes.MONITORING_UNAVAILABLE))
          .startsWith("False ServiceMonitorCreated");

      assertThat(cluster.client.network().v1().networkPolicies().inNamespace(ns)
          .withName("closed").get().getSpec().getIngress()).hasSize(1);
      assertThat(condition(get(cluster, ns, "closed"), ConditionTypes.MONITORING_UNAVAILABLE))
          .isEqualTo("True MetricsPortClosed: ServiceMonitor closed is made, but"
              + " networkPolicy.enabled admits the registry port only: list Prometheus' pods in"
              + " monitoring.serviceMonitor.scrapeFrom (e.g. a namespaceSelector matching its"
              + " namespace) to open the metrics port 5001 to them");
    });
  }

  static NetworkPolicyPeer prometheusNamespace() {
    return new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
        .addToMatchLabels("kubernetes.io/metadata.name", "monitoring").endNamespaceSelector()
        .build();
  }

  private static synchronized void installIfMissing() {
    if (cluster.client.apiextensions().v1().customResourceDefinitions()
        .withName(MonitoringModel.CRD).get() == null) {
      installPrometheusOperator(cluster);
    }
  }

}
