package dev.portcullis.operator.testsupport;

import dev.portcullis.operator.OperatorMain;
import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A Fabric8 mock API server in CRUD mode with the SecureRegistry CRD, optionally cert-manager
 * (its CRDs plus {@link FakeCertManager}), and the operator started through the same
 * {@link OperatorMain#start} the jar uses.
 */
public final class MockCluster implements AutoCloseable {

  /** The mock server logs every request at INFO through JUL; keep a reference so the level sticks. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  public final KubernetesMockServer server;
  public final KubernetesClient client;
  /** The mock cluster has no pods to probe: the health prober is a stand-in tests may replace. */
  public static final java.util.concurrent.atomic.AtomicReference<
      dev.portcullis.operator.health.HealthProber> PROBER =
      new java.util.concurrent.atomic.AtomicReference<>(
          dev.portcullis.operator.health.HealthProber.NONE);

  /**
   * The admin's label that opens a namespace to other namespaces' pull secrets in the mock
   * cluster (the operator's {@code PORTCULLIS_PULL_SECRETS_ALLOWED_NAMESPACE_LABELS}).
   */
  public static final java.util.Map<String, String> OPEN_TO_PULL_SECRETS =
      java.util.Map.of("portcullis.dev/pull-secrets", "allowed");
  public static final dev.portcullis.operator.tenancy.TenancySettings TENANCY =
      dev.portcullis.operator.tenancy.TenancySettings.from(java.util.Map.of(
          dev.portcullis.operator.tenancy.TenancySettings.PULL_SECRETS_NAMESPACE_LABELS_ENV,
          "portcullis.dev/pull-secrets=allowed"));

  public final SecureRegistryReconciler reconciler;
  /** TokenRequests and TokenReviews, answered as the API server would. */
  public final ServiceAccountTokens serviceAccountTokens = new ServiceAccountTokens();
  /**
   * Paths (their ends, e.g. {@code /namespaces/ns1/deployments/reg}) whose next update is refused
   * with 409 Conflict, as a real server does when another writer got there first.
   */
  public final java.util.Set<String> conflictOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Paths (their ends) whose updates and patches an admission webhook denies (422; the client retries 5xx by
   * itself) until removed: on a registry's /status, what makes a reconcile fail (dependents' failures go into the
   * status).
   */
  public final java.util.Set<String> denied =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * Objects ({@code /apis/.../namespaces/ns/certificates/portcullis-ca}) that another writer
   * creates an instant before the operator does: the operator's create stores the same object and
   * is refused with 409 AlreadyExists, as when two registries of a namespace race for the shared
   * CA.
   */
  public final java.util.Set<String> createdFirstByAnother =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private FakeCertManager certManager;
  private Operator operator;

  public MockCluster(boolean withCertManager) throws Exception {
    this(withCertManager, TENANCY);
  }

  /** With the admin's decisions {@code tenancy} instead of {@link #TENANCY}. */
  public MockCluster(boolean withCertManager,
      dev.portcullis.operator.tenancy.TenancySettings tenancy) throws Exception {
    reconciler = new SecureRegistryReconciler(java.time.Clock.systemUTC(),
        dev.portcullis.operator.reconciler.NodeTrustPublisher.fromEnvironment(tenancy),
        target -> PROBER.get().probe(target), tenancy);
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher() {
          /**
           * JOSDK asks, before leader election, whether it may use Leases (a
           * SelfSubjectRulesReview without metadata, which CRUD mode refuses): yes.
           */
          @Override
          public io.fabric8.mockwebserver.http.MockResponse handleCreate(RecordedRequest request) {
            if (request.getPath().contains("/selfsubjectrulesreviews")) {
              return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(201)
                  .setBody("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":"
                      + "\"SelfSubjectRulesReview\",\"status\":{\"incomplete\":false,"
                      + "\"nonResourceRules\":[],\"resourceRules\":[{\"verbs\":[\"*\"],"
                      + "\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":"
                      + "[\"leases\"]}]}}");
            }
            String created = request.getPath() + "/" + createdName(new String(
                request.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8));
            if (createdFirstByAnother.remove(created)) {
              super.handleCreate(request);
              return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(409)
                  .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                      + "\"message\":\"" + created + " already exists\",\"reason\":\"AlreadyExists\","
                      + "\"code\":409}");
            }
            return serviceAccountTokens.handle(request)
                .orElseGet(() -> super.handleCreate(request));
          }

          @Override
          public io.fabric8.mockwebserver.http.MockResponse handlePatch(RecordedRequest request) {
            return denied(request).orElseGet(() -> super.handlePatch(request));
          }

          private java.util.Optional<io.fabric8.mockwebserver.http.MockResponse> denied(
              RecordedRequest request) {
            if (denied.stream().noneMatch(request.getPath()::endsWith)) {
              return java.util.Optional.empty();
            }
            return java.util.Optional.of(new io.fabric8.mockwebserver.http.MockResponse()
                .setResponseCode(422)
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    + "\"message\":\"admission webhook \\\"validate.policy.example\\\" denied the request\","
                    + "\"reason\":\"Invalid\",\"code\":422}"));
          }

          /** A controller's write that lands between the operator's read and its update. */
          @Override
          public io.fabric8.mockwebserver.http.MockResponse handleUpdate(RecordedRequest request) {
            String path = request.getPath();
            var denied = denied(request);
            if (denied.isPresent()) {
              return denied.get();
            }
            if (conflictOnce.removeIf(path::endsWith)) {
              String name = path.substring(path.lastIndexOf('/') + 1);
              return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(409)
                  .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                      + "\"message\":\"Operation cannot be fulfilled on deployments.apps \\\"" + name
                      + "\\\": the object has been modified; please apply your changes to the latest"
                      + " version and try again\",\"reason\":\"Conflict\",\"code\":409}");
            }
            return super.handleUpdate(request);
          }
        }, false);
    server.init();
    client = server.createClient();
    try (var in = new FileInputStream(Path.of("..", "crds",
        "secureregistries.portcullis.dev-v1.yml").toFile())) {
      client.resource(client.getKubernetesSerialization()
          .unmarshal(in, CustomResourceDefinition.class)).create();
    }
    if (withCertManager) {
      installCertManager();
    }
  }

  private static String createdName(String body) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("metadata")
          .path("name").asText("");
    } catch (java.io.IOException | RuntimeException notJson) {
      return "";
    }
  }

  /** Creates cert-manager's CRDs (names only: the mock server validates nothing) and its stand-in. */
  public void installCertManager() {
    for (String plural : List.of("certificates", "issuers", "clusterissuers")) {
      client.resource(new CustomResourceDefinitionBuilder()
          .withNewMetadata().withName(plural + ".cert-manager.io").endMetadata()
          .withNewSpec().withGroup("cert-manager.io").withScope(
              plural.startsWith("cluster") ? "Cluster" : "Namespaced")
            .withNewNames().withPlural(plural).withKind(kind(plural)).endNames()
            .addNewVersion().withName("v1").withServed(true).withStorage(true)
              .withNewSubresources().withNewStatus().endStatus().endSubresources()
            .endVersion()
          .endSpec().build()).create();
    }
    certManager = new FakeCertManager(client).start();
  }

  private static String kind(String plural) {
    return switch (plural) {
      case "certificates" -> "Certificate";
      case "issuers" -> "Issuer";
      default -> "ClusterIssuer";
    };
  }

  public FakeCertManager certManager() {
    return certManager;
  }

  public MockCluster startOperator() {
    return startOperator(client);
  }

  /**
   * The operator on a client of its own: the benchmark gives it a distinct User-Agent so that the
   * operator's requests can be told from the test's and the fake cert-manager's.
   */
  public MockCluster startOperator(KubernetesClient operatorClient) {
    operator = OperatorMain.start(operatorClient, reconciler, Set.of(),
        o -> o.withInformerStoppedHandler(OperatorMain.LOG_INFORMER_STOP));
    return this;
  }

  public void stopOperator() {
    if (operator != null) {
      operator.stop();
      operator = null;
    }
  }

  /** Forgets the requests recorded so far. */
  public void drainRequests() throws InterruptedException {
    while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
      // discard
    }
  }

  /** Every request recorded since the last drain, as "METHOD path". */
  public List<String> requestsSinceDrain() throws InterruptedException {
    var requests = new ArrayList<String>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      requests.add(r.getMethod() + " " + r.getPath());
    }
    return requests;
  }

  /** Requests that change something: anything but GET (reads, lists and watches). */
  public static List<String> writes(List<String> requests) {
    return requests.stream().filter(r -> !r.startsWith("GET ")).toList();
  }

  @Override
  public void close() {
    stopOperator();
    if (certManager != null) {
      certManager.close();
    }
    client.close();
    server.destroy();
  }
}
