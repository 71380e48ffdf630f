package dev.portcullis.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.deploy.Rbac.Call;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart (deploy/helm/portcullis-operator) installs what deploy/ installs: its default values render the
 * same objects as {@code kubectl kustomize deploy/}, its single-namespace and monitoring option sets the same as
 * deploy/single-namespace/ and deploy/with-monitoring/, and its RBAC covers the operator's API calls in both modes.
 * Rendered by a real Helm through helm-java; bad values fail with the schema's message.
 */
class HelmChartTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static List<Map<String, Object>> defaults;

  @TempDir Path dir;

  @BeforeAll
  static void render() throws Exception {
    defaults = new ArrayList<>(HelmChart.crds());
    defaults.addAll(HelmChart.template(null));
  }

  @Test
  void chartVersionIsTheProjects() throws Exception {
    Map<String, Object> chart = new Yaml().load(Files.readString(HelmChart.DIR.resolve("Chart.yaml")));
    assertThat(chart).containsEntry("version", DeployManifestTest.VERSION)
        .containsEntry("appVersion", DeployManifestTest.VERSION);
  }

  /**
   * The chart's crds/ is a copy of the generated crds/ (Helm reads only files inside the chart). Fix: {@code cp
   * crds/secureregistries.portcullis.dev-v1.yml deploy/helm/portcullis-operator/crds/}.
   */
  @Test
  void chartCrdIsTheGeneratedOne() throws Exception {
    String file = "secureregistries.portcullis.dev-v1.yml";
    assertThat(Files.readString(HelmChart.DIR.resolve("crds").resolve(file)))
        .as("deploy/helm/portcullis-operator/crds/%s differs from crds/%s: copy it over", file, file)
        .isEqualTo(Files.readString(Kustomize.ROOT.resolve("crds").resolve(file)));
  }

  @Test
  void lintPasses() {
    var lint = HelmChart.lint();
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
  }

  @Test
  void defaultValuesRenderWhatKustomizeRendersForDeploy() throws Exception {
    assertSameObjects(defaults, Kustomize.render("deploy"));
  }

  @Test
  void singleNamespaceOptionRendersWhatDeploySingleNamespaceDoes() throws Exception {
    var chart = new ArrayList<>(HelmChart.crds());
    chart.addAll(HelmChart.template(optionSet("single-namespace")));
    assertSameObjects(chart, Kustomize.render("deploy/single-namespace"));
  }

  @Test
  void monitoringOptionsRenderWhatDeployWithMonitoringDoes() throws Exception {
    var chart = new ArrayList<>(HelmChart.crds());
    chart.addAll(HelmChart.template(optionSet("monitoring")));
    var kustomize = Kustomize.render("deploy/with-monitoring");
    assertThat(kustomize).extracting(Kustomize::kind)
        .contains("ServiceMonitor", "PrometheusRule", "ConfigMap", "Service");
    assertSameObjects(chart, kustomize);
  }

  /** Every documented option set renders, parses as Kubernetes objects, and says what the server keeps. */
  @Test
  void everyOptionSetRendersObjectsFabric8Reads() throws Exception {
    var sets = new ArrayList<Path>();
    sets.add(null);
    sets.addAll(HelmChart.optionSets());
    assertThat(sets).hasSizeGreaterThanOrEqualTo(4);
    for (Path values : sets) {
      var docs = HelmChart.template(values);
      assertThat(docs).as("rendered by %s", values).isNotEmpty();
      for (var doc : docs) {
        HasMetadata object = SERIALIZATION.unmarshal(SERIALIZATION.asJson(doc), HasMetadata.class);
        assertThat(object.getMetadata().getName()).isNotBlank();
        if (!List.of("ServiceMonitor", "PrometheusRule").contains(object.getKind())) {
          assertThat(object).as("%s is a typed Fabric8 object", object.getKind())
              .isNotInstanceOf(GenericKubernetesResource.class);
        }
        assertNoValueTheServerDrops(doc, object.getKind() + " " + object.getMetadata().getName());
      }
      var fieldRefs = new ArrayList<Map<String, Object>>();
      docs.forEach(d -> DeployManifestTest.collect(d, "fieldRef", fieldRefs));
      assertThat(fieldRefs).isNotEmpty()
          .allSatisfy(ref -> assertThat(ref).containsEntry("apiVersion", "v1"));
    }
  }

  @Test
  void optionsLandWhereTheySay() throws Exception {
    var docs = HelmChart.template(optionSet("options"));
    var deployment = SERIALIZATION.unmarshal(SERIALIZATION.asJson(
        Kustomize.one(docs, "Deployment", "portcullis-operator")), Deployment.class);
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("platform-registries");
    assertThat(docs).noneMatch(d -> "Namespace".equals(Kustomize.kind(d)));
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    var pod = deployment.getSpec().getTemplate();
    assertThat(pod.getMetadata().getAnnotations()).containsEntry("example.com/team", "platform");
    assertThat(pod.getSpec().getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(pod.getSpec().getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getSpec().getAffinity().getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms()).hasSize(1);
    var c = pod.getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example.com:5000/portcullis/portcullis-operator:0.1.0"
        + "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assertThat(c.getImagePullPolicy()).isEqualTo("Always");
    assertThat(c.getResources().getLimits().get("cpu").toString()).isEqualTo("2");
    assertThat(c.getResources().getRequests().get("memory").toString()).isEqualTo("300Mi");
    var env = new TreeMap<String, String>();
    c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
    assertThat(env).containsEntry("PORTCULLIS_LEADER_ELECTION", "false")
        .containsEntry("PORTCULLIS_REGISTRY_IMAGE",
            "registry.example.com:5000/portcullis/portcullis-registry:0.1.0")
        .containsEntry("PORTCULLIS_NODE_TRUST_ALLOWED_PUBLIC_HOSTS", "docker.io")
        .containsEntry("PORTCULLIS_NODE_AGENT_NAMESPACE", "platform-node-trust")
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75");
    // the node agent's namespace is given, not created: the operator's rights land in it
    for (var kind : List.of("Role", "RoleBinding")) {
      assertThat(Kustomize.namespace(Kustomize.one(docs, kind, "portcullis-operator-node-agent")))
          .isEqualTo("platform-node-trust");
    }
    // every binding names the account in the chosen namespace
    docs.stream().filter(d -> Kustomize.kind(d).endsWith("Binding")).forEach(b ->
        assertThat(Kustomize.<String>at(b, "subjects", 0, "namespace")).isEqualTo("platform-registries"));
    var monitor = Kustomize.one(docs, "ServiceMonitor", "portcullis-operator");
    assertThat(Kustomize.<String>at(monitor, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
    assertThat(Kustomize.<String>at(monitor, "spec", "endpoints", 0, "interval")).isEqualTo("15s");
    var rule = Kustomize.one(docs, "PrometheusRule", "portcullis");
    assertThat(Kustomize.<String>at(rule, "metadata", "labels", "release")).isEqualTo("kube-prometheus-stack");
    var dashboard = Kustomize.one(docs, "ConfigMap", "portcullis-dashboard");
    assertThat(Kustomize.namespace(dashboard)).isEqualTo("monitoring");
    assertThat(Kustomize.<String>at(dashboard, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
  }

  @Test
  void invalidValuesFailWithTheSchemasMessage() throws Exception {
    Path values = Files.writeString(dir.resolve("bad-values.yaml"), """
        replicas: 0
        image:
          pullPolicy: Sometimes
        watchNamespaces: [Not_A_Namespace]
        nodeAgent:
          namespace:
            name: Node_Agents
        """);
    assertThatThrownBy(() -> HelmChart.template(values))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("replicas")
        .hasMessageContaining("pullPolicy")
        .hasMessageContaining("watchNamespaces")
        .hasMessageContaining("nodeAgent");
    Path unknown = Files.writeString(dir.resolve("typo-values.yaml"), "replica: 2\n");
    assertThatThrownBy(() -> HelmChart.template(unknown))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("replica");
  }

  /** One namespace for both would hold the node agent's privileged pods beside the operator's restricted one. */
  @Test
  void nodeAgentNamespaceMustDifferFromTheOperators() throws Exception {
    Path values = Files.writeString(dir.resolve("same-namespace-values.yaml"), """
        nodeAgent:
          namespace:
            name: portcullis-system
        """);
    assertThatThrownBy(() -> HelmChart.template(values))
        .hasMessageContaining("nodeAgent.namespace.name must differ from namespace.name (both portcullis-system)");
  }

  /** RbacCoversOperatorTest's checks, on the chart's RBAC in both modes. */
  @Test
  void rbacOfEachModeCoversWhatTheOperatorDoes() throws Exception {
    var clusterWide = new Rbac(defaults, RbacCoversOperatorTest.SA_NAMESPACE, RbacCoversOperatorTest.SA);
    var single = new Rbac(HelmChart.template(optionSet("single-namespace")),
        RbacCoversOperatorTest.SA_NAMESPACE, RbacCoversOperatorTest.SA);
    var recordedAll = RbacCoversOperatorTest.run("registries", Set.of());
    var recordedSingle = RbacCoversOperatorTest.run("registries", Set.of("registries"));
    assertThat(recordedAll).anyMatch(c -> c.verb().equals("create"));
    assertAllowed("the chart's defaults", clusterWide, recordedAll);
    assertAllowed("the chart's defaults", clusterWide, OperatorApiCalls.fromDependents(
        SecureRegistryReconciler.class, SecureRegistry.class, Rbac.ANY));
    assertAllowed("watchNamespaces: [registries]", single, recordedSingle);
    assertAllowed("watchNamespaces: [registries]", single, OperatorApiCalls.fromDependents(
        SecureRegistryReconciler.class, SecureRegistry.class, "registries"));
    assertThat(single.allows(new Call("apps", "deployments", "create", "elsewhere", null))).isFalse();
    assertThat(single.allows(new Call("", "secrets", "list", null, null))).isFalse();
    for (var rule : single.clusterWideRules()) {
      assertThat(Rbac.usedBy(rule, recordedSingle))
          .as("granted cluster-wide but not used so in single-namespace mode: %s", rule).isTrue();
    }
  }

  private static void assertAllowed(String install, Rbac rbac, Set<Call> calls) {
    assertThat(calls.stream().filter(c -> !rbac.allows(c)).map(Call::toString).toList())
        .as("API calls of the operator that %s does not allow", install).isEmpty();
  }

  private static Path optionSet(String name) {
    return HelmChart.DIR.resolve("ci").resolve(name + "-values.yaml");
  }

  /**
   * Object for object: same kinds, names and namespaces, and equal content. The one difference allowed is the CRD's
   * part-of label, which kustomize adds and Helm cannot (crds/ files are applied as they are, never templated).
   */
  private static void assertSameObjects(List<Map<String, Object>> chart, List<Map<String, Object>> kustomize) {
    assertThat(keys(chart)).containsExactlyInAnyOrderElementsOf(keys(kustomize));
    for (var expected : kustomize) {
      var actual = chart.stream().filter(d -> key(d).equals(key(expected))).findFirst().orElseThrow();
      Object want = DeployManifestTest.numbersByValue(expected);
      if ("CustomResourceDefinition".equals(Kustomize.kind(expected))) {
        @SuppressWarnings("unchecked")
        var labels = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) want).get("metadata"))
            .get("labels");
        assertThat(labels).containsEntry("app.kubernetes.io/part-of", "portcullis");
        labels.remove("app.kubernetes.io/part-of");
        if (labels.isEmpty()) {
          ((Map<?, ?>) ((Map<?, ?>) want).get("metadata")).remove("labels");
        }
      }
      assertThat(DeployManifestTest.numbersByValue(actual)).as("%s", key(expected)).isEqualTo(want);
    }
  }

  private static List<String> keys(List<Map<String, Object>> docs) {
    return docs.stream().map(HelmChartTest::key).toList();
  }

  private static String key(Map<String, Object> d) {
    return Kustomize.kind(d) + " " + Kustomize.namespace(d) + "/" + Kustomize.name(d);
  }

  /** No null, empty map or empty list: the API server drops them, and GitOps tools would show a diff forever. */
  private static void assertNoValueTheServerDrops(Object node, String where) {
    if (node instanceof Map<?, ?> m) {
      assertThat(m).as("an empty map in %s", where).isNotEmpty();
      m.forEach((k, v) -> {
        assertThat(v).as("%s: %s is null", where, k).isNotNull();
        assertNoValueTheServerDrops(v, where + "." + k);
      });
    } else if (node instanceof List<?> l) {
      assertThat(l).as("an empty list in %s", where).isNotEmpty();
      l.forEach(x -> assertNoValueTheServerDrops(x, where));
    }
  }
}
