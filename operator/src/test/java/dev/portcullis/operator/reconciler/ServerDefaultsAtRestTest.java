package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.GarbageCollectionSpec;
import dev.portcullis.operator.api.NetworkPolicySpec;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.DeploymentModel;
import dev.portcullis.operator.model.TokenIssuerModel;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.ServerDefaults;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real API server stores every dependent with its defaults filled in (probe timings, revision history, DNS
 * policy, Service IPs and policies, ...), and JOSDK's matcher compares the desired object with that stored one: a
 * difference it does not tolerate is an update on every reconcile, and a 409 Conflict whenever a controller writes
 * the same object at that moment. Here every object the operator made is replaced by what a 1.2x server would have
 * stored ({@link ServerDefaults}); then a restarted operator reconciles each registry and must write nothing.
 */
class ServerDefaultsAtRestTest {

  static MockCluster cluster;
  static final String NS = "defaulted";

  /** Every kind of object the operator creates, with its API version. */
  static final Map<String, String> KINDS = Map.ofEntries(
      Map.entry("Deployment", "apps/v1"), Map.entry("DaemonSet", "apps/v1"),
      Map.entry("Service", "v1"), Map.entry("CronJob", "batch/v1"),
      Map.entry("PodDisruptionBudget", "policy/v1"),
      Map.entry("NetworkPolicy", "networking.k8s.io/v1"),
      Map.entry("Ingress", "networking.k8s.io/v1"),
      Map.entry("Certificate", "cert-manager.io/v1"), Map.entry("Issuer", "cert-manager.io/v1"),
      Map.entry("ConfigMap", "v1"), Map.entry("Secret", "v1"),
      Map.entry("PersistentVolumeClaim", "v1"), Map.entry("ServiceAccount", "v1"));

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

  @Test
  void aReconcileAtRestSendsNoUpdateOnceTheServerHasDefaultedEveryDependent() throws Exception {
    cluster.client.resource(Registries.password(NS, "rackham", "first-password")).create();
    cluster.client.resource(Registries.password(NS, "ci", "ci-Passw0rd-1")).create();
    cluster.client.resource(everything()).create();
    cluster.client.resource(managedTokens()).create();
    String agentNs = NodeTrustPublisher.fromEnvironment().agentNamespace();
    await().until(() -> deployment("reg") != null && deployment("tok") != null
        && deployment("tok-auth") != null);
    // tok and tok-auth roll once more when the token CA's signing Secret is issued (their pods
    // could not start before: they mount it); the status follows each generation, as the
    // Deployment controller's would, and the cluster is at rest once both rolled to it
    await().until(() -> {
      if (!podAnnotations("tok").containsKey(DeploymentModel.TOKEN_CA_ANNOTATION)
          || !podAnnotations("tok-auth").containsKey(TokenIssuerModel.SIGNER_ANNOTATION)) {
        return false;
      }
      // not in the poll that reports a rollout: the operator has yet to see it
      boolean marked = rolledOut("reg", 2) | rolledOut("tok", 1) | rolledOut("tok-auth", 1);
      return !marked && ready("reg") && ready("tok")
          && cluster.client.apps().daemonSets().inNamespace(agentNs).list().getItems().size() == 1;
    });
    Thread.sleep(1500); // let the last events settle
    cluster.stopOperator();

    var defaulted = new TreeSet<String>();
    var defaultedObjects = new TreeSet<String>();
    for (var kind : KINDS.entrySet()) {
      for (String ns : List.of(NS, agentNs)) {
        var objects = cluster.client.genericKubernetesResources(kind.getValue(), kind.getKey())
            .inNamespace(ns).list().getItems();
        for (GenericKubernetesResource o : objects) {
          storeAsARealServerWould(o);
          defaulted.add(kind.getKey());
          defaultedObjects.add(kind.getKey() + "/" + o.getMetadata().getName());
        }
      }
    }
    assertThat(defaulted).as("the registries exercise every kind the operator makes")
        .containsExactlyInAnyOrderElementsOf(KINDS.keySet());
    assertThat(defaultedObjects).as("the token CA's Issuers and Certificates are defaulted too")
        .contains("Issuer/tok-token-selfsigned", "Issuer/tok-token-ca",
            "Certificate/tok-token-ca", "Certificate/tok-token-signing");
    markReady("reg", 2);
    markReady("tok", 1);
    markReady("tok-auth", 1);
    cluster.drainRequests();

    long before = cluster.reconciler.reconcileCount();
    cluster.startOperator();
    await().until(() -> cluster.reconciler.reconcileCount() >= before + 2);
    Thread.sleep(1500);
    var writes = new ArrayList<String>();
    for (String r : MockCluster.writes(cluster.requestsSinceDrain())) {
      if (r.contains("/namespaces/" + NS + "/") || r.contains("/namespaces/" + agentNs + "/")) {
        writes.add(r);
      }
    }
    assertThat(writes).as("writes of a reconcile at rest").isEmpty();
  }

  /** Replaces the stored object by the server-defaulted form of itself, in JSON, as a server keeps it. */
  @SuppressWarnings("unchecked")
  private static void storeAsARealServerWould(GenericKubernetesResource o) {
    var serialization = cluster.client.getKubernetesSerialization();
    Map<String, Object> json = serialization.convertValue(o, Map.class);
    ServerDefaults.apply(json);
    cluster.client.resource(serialization.convertValue(json, GenericKubernetesResource.class))
        .update();
  }

  /** One registry that makes every dependent kind but the token issuer's. */
  static SecureRegistry everything() {
    var r = Registries.htpasswd(NS, "reg", "rackham");
    r.getSpec().replicas = 2;
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    r.getSpec().resources = new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("500m")).addToRequests("memory", new Quantity("256Mi"))
        .build();
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * *";
    r.getSpec().networkPolicy = new NetworkPolicySpec();
    r.getSpec().networkPolicy.enabled = true;
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.type = ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = 30555;
    Registries.tls(r, TlsSpec.Mode.MutualTLS);
    r.getSpec().tls.duration = "2160h";
    r.getSpec().tls.renewBefore = "360h";
    var ci = new TlsSpec.ClientCertificate();
    ci.name = "ci";
    ci.duration = "720h";
    r.getSpec().tls.clientCertificates = List.of(ci);
    return r;
  }

  /**
   * A registry with the managed token issuer (its Deployment, Service, ConfigMap, ServiceAccount),
   * exposed through Ingresses.
   */
  static SecureRegistry managedTokens() {
    var r = Registries.basic(NS, "tok");
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.issuer = AuthSpec.Token.Issuer.Managed;
    var m = new AuthSpec.Managed();
    var user = new AuthSpec.User();
    user.username = "ci";
    user.passwordSecretRef = new SecretKeySelector("password", "ci-password", null);
    m.users = List.of(user);
    var acl = new AuthSpec.AclEntry();
    acl.match = new AuthSpec.AclMatch();
    acl.match.account = "ci";
    acl.actions = List.of("*");
    m.acl = List.of(acl);
    m.kubernetes = new AuthSpec.KubernetesLogin();
    m.kubernetes.enabled = true;
    r.getSpec().auth.token.managed = m;
    // exposed, registry and issuer, through Ingresses that re-encrypt (the most annotated form)
    r.getSpec().expose = new dev.portcullis.operator.api.ExposeSpec();
    r.getSpec().expose.ingress = new dev.portcullis.operator.api.ExposeSpec.Ingress();
    r.getSpec().expose.ingress.className = "nginx";
    r.getSpec().expose.ingress.host = "tok.example.com";
    r.getSpec().expose.ingress.tokenHost = "tok-auth.example.com";
    r.getSpec().expose.ingress.tls = dev.portcullis.operator.api.ExposeSpec.IngressTls.Reencrypt;
    return r;
  }

  static Deployment deployment(String name) {
    return cluster.client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  static boolean ready(String name) {
    var r = cluster.client.resources(SecureRegistry.class).inNamespace(NS).withName(name).get();
    return r != null && r.getStatus() != null && r.getStatus().condition(ConditionTypes.READY)
        .map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  static Map<String, String> podAnnotations(String name) {
    var a = deployment(name).getSpec().getTemplate().getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  /**
   * {@link #markReady} unless the status already reports this generation rolled out: whether it
   * had to.
   */
  static boolean rolledOut(String name, int replicas) {
    var d = deployment(name);
    var st = d.getStatus();
    if (st == null || !java.util.Objects.equals(st.getObservedGeneration(),
        d.getMetadata().getGeneration()) || !Integer.valueOf(replicas).equals(st.getReadyReplicas())) {
      markReady(name, replicas);
      return true;
    }
    return false;
  }

  /** What the kubelet and the Deployment controller would report once the pods run. */
  static void markReady(String name, int replicas) {
    var d = deployment(name);
    d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas)
        .withAvailableReplicas(replicas).withObservedGeneration(d.getMetadata().getGeneration())
        .build());
    cluster.client.resource(d).updateStatus();
  }
}
