package dev.portcullis.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.OperatorMain;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.deploy.Rbac.Call;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.PullSecretsSpec;
import dev.portcullis.operator.health.HealthProber;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.PullRobot;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/ grants the operator what it uses. The calls are derived twice: from the code (every
 * dependent of the workflow, with the verbs its JOSDK interfaces imply, and the primary) and from
 * the wire (every request the operator sends while it runs a registry through creation, readiness
 * and a spec change, recorded by the mock API server). A new dependent, informer, lease or
 * cross-namespace write makes this test fail until deploy/ grants it.
 */
class RbacCoversOperatorTest {

  static final String SA_NAMESPACE = "portcullis-system";
  static final String SA = "portcullis-operator";
  static final String AGENT = "portcullis-operator-under-test";

  static List<Map<String, Object>> allNamespaces;
  static List<Map<String, Object>> singleNamespace;
  static String watched;
  static Set<Call> recordedAll;
  static Set<Call> recordedSingle;

  @BeforeAll
  static void renderAndRun() throws Exception {
    allNamespaces = Kustomize.render("deploy");
    singleNamespace = Kustomize.render("deploy/single-namespace");
    List<Map<String, Object>> env = Kustomize.at(
        Kustomize.one(singleNamespace, "Deployment", "portcullis-operator"),
        "spec", "template", "spec", "containers", 0, "env");
    watched = env.stream().filter(e -> OperatorMain.WATCH_NAMESPACES_ENV.equals(e.get("name")))
        .map(e -> (String) e.get("value")).findFirst().orElseThrow();
    recordedAll = run(Set.of());
    recordedSingle = run(Set.of(watched));
    // for whoever changes the operator or deploy/: what it was seen to call
    java.nio.file.Files.write(java.nio.file.Path.of("target", "operator-api-calls.txt"),
        java.util.stream.Stream.concat(
            recordedAll.stream().map(c -> "all namespaces: " + c),
            recordedSingle.stream().map(c -> "namespace " + watched + ": " + c)).toList());
  }

  /** Runs a registry through its life with the operator on a client of its own, recording its calls. */
  static Set<Call> run(Set<String> namespaces) throws Exception {
    return run(watched, namespaces);
  }

  /** The same with the registry in {@code watched} (HelmChartTest runs it before this class has rendered deploy/). */
  static Set<Call> run(String watched, Set<String> namespaces) throws Exception {
    try (var cluster = new MockCluster(true);
         var client = new KubernetesClientBuilder().withConfig(
             new ConfigBuilder(cluster.client.getConfiguration()).withUserAgent(AGENT).build())
             .build()) {
      var reconciler = new SecureRegistryReconciler(java.time.Clock.systemUTC(),
          NodeTrustPublisher.fromEnvironment(MockCluster.TENANCY), HealthProber.NONE,
          MockCluster.TENANCY);
      var operator = OperatorMain.start(client, reconciler, namespaces,
          o -> o.withInformerStoppedHandler(OperatorMain.LOG_INFORMER_STOP));
      try {
        // node trust and pull secrets, into its own namespace and into an opened one, by name
        // and by selector: what reaches beyond a registry's namespace is recorded too
        namespace(cluster, watched, Map.of("portcullis.dev/registry-home", "yes"));
        namespace(cluster, OPENED, MockCluster.OPEN_TO_PULL_SECRETS);
        cluster.client.resource(Registries.password(watched, "rackham", "pw-1")).create();
        var r = Registries.htpasswd(watched, "reg", "rackham");
        r.getSpec().nodeTrust = new NodeTrustSpec();
        r.getSpec().nodeTrust.enabled = true;
        r.getSpec().pullSecrets = new PullSecretsSpec();
        r.getSpec().pullSecrets.namespaces = List.of(OPENED);
        r.getSpec().pullSecrets.namespaceSelector = new LabelSelectorBuilder()
            .addToMatchLabels("portcullis.dev/registry-home", "yes").build();
        // exposed through an Ingress: its reads and writes are recorded too
        r.getSpec().expose = new dev.portcullis.operator.api.ExposeSpec();
        r.getSpec().expose.ingress = new dev.portcullis.operator.api.ExposeSpec.Ingress();
        r.getSpec().expose.ingress.host = "reg.example.com";
        cluster.client.resource(r).create();
        String pullSecret = PullRobot.pullSecretName(r);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
          assertThat(registry(cluster, watched).getStatus().condition("CertificatesReady")
              .orElseThrow().getStatus()).isEqualTo("True");
          assertThat(registry(cluster, watched).getStatus().condition("Exposed")
              .orElseThrow().getStatus()).isEqualTo("True");
          assertThat(cluster.client.secrets().inNamespace(watched).withName(pullSecret).get())
              .isNotNull();
          assertThat(cluster.client.configMaps().inNamespace(NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE)
              .withName(Names.NODE_TRUST_CONFIGMAP).get().getData().toString())
              .contains(watched + "/reg");
          if (namespaces.isEmpty()) {
            assertThat(cluster.client.secrets().inNamespace(OPENED).withName(pullSecret).get())
                .isNotNull();
          } else {
            assertThat(registry(cluster, watched).getStatus().condition("PullSecretTargetsRefused")
                .orElseThrow().getMessage()).contains(OPENED + " (outside the namespaces");
          }
        });
        // retried on conflicts with the operator's status writes
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
            cluster.client.resources(SecureRegistry.class).inNamespace(watched).withName("reg")
                .edit(current -> {
                  current.getSpec().replicas = 0;
                  return current;
                }));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
            cluster.client.resources(Deployment.class).inNamespace(watched).withName("reg")
                .get().getSpec().getReplicas() == 0);
        // the finalizer's work: the node-trust entry and the pull secrets go
        cluster.client.resources(SecureRegistry.class).inNamespace(watched).withName("reg")
            .delete();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
            registry(cluster, watched) == null
                && cluster.client.secrets().inNamespace(watched).withName(pullSecret).get() == null);
      } finally {
        operator.stop();
      }
      var calls = new LinkedHashSet<Call>();
      RecordedRequest request;
      while ((request = cluster.server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
        String agent = request.getHeader("User-Agent");
        if (agent != null && agent.startsWith(AGENT)) {
          var call = OperatorApiCalls.fromRequest(request);
          if (call != null) {
            calls.add(call);
          }
        }
      }
      return calls;
    }
  }

  /** A namespace the admin opened to other namespaces' pull secrets. */
  static final String OPENED = "apps";

  private static void namespace(MockCluster cluster, String name, Map<String, String> labels) {
    cluster.client.resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().build()).create();
    cluster.client.resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
        .withNamespace(name).endMetadata().build()).create();
  }

  private static SecureRegistry registry(MockCluster cluster, String watched) {
    return cluster.client.resources(SecureRegistry.class).inNamespace(watched).withName("reg")
        .get();
  }

  @Test
  void everyRequestTheOperatorSendsIsAllowedByDeploy() {
    assertThat(recordedAll).as("the operator's requests were recorded").isNotEmpty()
        .anyMatch(c -> c.verb().equals("create"));
    assertAllowed("deploy/", new Rbac(allNamespaces, SA_NAMESPACE, SA), recordedAll);
  }

  @Test
  void everyRequestTheOperatorSendsIsAllowedBySingleNamespace() {
    assertThat(recordedSingle).isNotEmpty();
    assertAllowed("deploy/single-namespace/", new Rbac(singleNamespace, SA_NAMESPACE, SA),
        recordedSingle);
  }

  @Test
  void everyDependentAndThePrimaryAreCoveredInEveryNamespace() throws Exception {
    var calls = OperatorApiCalls.fromDependents(SecureRegistryReconciler.class,
        SecureRegistry.class, Rbac.ANY);
    assertThat(calls).anyMatch(c -> c.resource().equals("deployments"));
    assertAllowed("deploy/", new Rbac(allNamespaces, SA_NAMESPACE, SA), calls);
  }

  @Test
  void everyDependentAndThePrimaryAreCoveredInTheWatchedNamespace() throws Exception {
    var rbac = new Rbac(singleNamespace, SA_NAMESPACE, SA);
    var calls = OperatorApiCalls.fromDependents(SecureRegistryReconciler.class,
        SecureRegistry.class, watched);
    assertAllowed("deploy/single-namespace/", rbac, calls);
    // and not beyond it: the registries' objects are not granted in other namespaces
    assertThat(rbac.allows(new Call("apps", "deployments", "create", "elsewhere", null)))
        .as("single-namespace grants deployments outside %s", watched).isFalse();
    assertThat(rbac.allows(new Call("portcullis.dev", "secureregistries", "list", null, null)))
        .as("single-namespace lists SecureRegistries cluster-wide").isFalse();
  }

  /**
   * Issue 25 item 5: the single-namespace install reaches no Secret, ServiceAccount or DaemonSet
   * outside the watched namespace and its own, and what it holds cluster-wide is derived from
   * what the operator was seen to read cluster-wide in that mode: nothing more.
   */
  @Test
  void singleNamespaceHoldsNothingClusterWideButWhatItReads() {
    var rbac = new Rbac(singleNamespace, SA_NAMESPACE, SA);
    for (var c : List.of(
        new Call("", "secrets", "create", "kube-system", null),
        new Call("", "secrets", "get", "kube-system", "token"),
        new Call("", "secrets", "list", null, null),
        new Call("", "serviceaccounts", "update", "kube-system", "default"),
        new Call("apps", "daemonsets", "create", "kube-system", null),
        new Call("apps", "daemonsets", "create", Rbac.ANY, null),
        new Call("", "namespaces", "list", null, null),
        new Call("", "namespaces", "get", "kube-system", "kube-system"))) {
      assertThat(rbac.allows(c)).as("single-namespace allows %s", c).isFalse();
    }
    var clusterWide = recordedSingle.stream().filter(c -> c.namespace() == null).toList();
    assertThat(clusterWide).as("cluster-wide calls in single-namespace mode").isNotEmpty()
        .allMatch(c -> List.of("get", "list", "watch").contains(c.verb()));
    assertThat(rbac.clusterWideRules()).isNotEmpty().allSatisfy(rule ->
        assertThat(Rbac.usedBy(rule, recordedSingle))
            .as("granted cluster-wide but not used so in single-namespace mode: %s", rule)
            .isTrue());
  }

  @Test
  void noWildcardsNorPrivilegeEscalation() {
    for (var docs : List.of(allNamespaces, singleNamespace)) {
      for (var rule : new Rbac(docs, SA_NAMESPACE, SA).rules) {
        assertThat(rule.toString()).doesNotContain("*");
        @SuppressWarnings("unchecked")
        var verbs = (List<String>) rule.get("verbs");
        assertThat(verbs).doesNotContain("escalate", "bind", "impersonate", "deletecollection");
        @SuppressWarnings("unchecked")
        var resources = (List<String>) rule.get("resources");
        assertThat(resources).doesNotContain("pods/exec", "nodes", "roles", "rolebindings",
            "clusterroles", "clusterrolebindings");
      }
    }
  }

  private static void assertAllowed(String install, Rbac rbac, Set<Call> calls) {
    var denied = calls.stream().filter(c -> !rbac.allows(c)).map(Call::toString).toList();
    assertThat(denied).as("API calls of the operator that %s does not allow", install).isEmpty();
  }
}
