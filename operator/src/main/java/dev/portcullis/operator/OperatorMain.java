package dev.portcullis.operator;

import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
import dev.portcullis.operator.tenancy.TenancySettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point and wiring. {@link #start(KubernetesClient)} is the one place the operator is
 * configured, so tests and the end-to-end harness run exactly what ships.
 */
public final class OperatorMain {

  /** Comma-separated namespaces to watch; unset or empty watches all namespaces. */
  public static final String WATCH_NAMESPACES_ENV = "PORTCULLIS_WATCH_NAMESPACES";

  private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  /** {@code true}: take the Lease {@value #LEASE_NAME} before reconciling (two replicas may run). */
  public static final String LEADER_ELECTION_ENV = "PORTCULLIS_LEADER_ELECTION";
  /** Port of /healthz, /readyz and /metrics (default 8080; 0 picks one, -1 disables). */
  public static final String HTTP_PORT_ENV = "PORTCULLIS_HTTP_PORT";
  public static final String LEASE_NAME = "portcullis-operator";

  public static void main(String[] args) throws Exception {
    var exit = OperatorCommandLine.exitBeforeStart(args, System.out, System.err);
    if (exit.isPresent()) {
      System.exit(exit.getAsInt());
    }
    TenancySettings tenancy;
    int port;
    try {
      tenancy = TenancySettings.fromEnvironment();
      port = OperatorCommandLine.httpPort(System.getenv(HTTP_PORT_ENV));
    } catch (IllegalArgumentException e) {
      System.err.println("portcullis-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    var unreachable = ApiServerCheck.problem(client.getConfiguration());
    if (unreachable.isPresent()) {
      System.err.println(unreachable.get());
      client.close();
      System.exit(1);
    }
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    boolean leaderElection = "true".equalsIgnoreCase(System.getenv(LEADER_ELECTION_ENV));
    var nodeTrust = dev.portcullis.operator.reconciler.NodeTrustPublisher.fromEnvironment(tenancy);
    var lease = leaderElection
        ? java.util.Optional.of(new OperatorShutdown.LeaseHeld(nodeTrust.namespace(), LEASE_NAME,
            leaderIdentity()))
        : java.util.Optional.<OperatorShutdown.LeaseHeld>empty();
    var shutdown = new OperatorShutdown(client, lease);
    var reconciler = new SecureRegistryReconciler(java.time.Clock.systemUTC(), nodeTrust, tenancy);
    reconciler.metrics().publishTo(registry);
    Operator operator = start(client, reconciler, watchedNamespaces(), o -> {
          o.withMetrics(io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics
              .newPerResourceCollectingMicrometerMetricsBuilder(registry).build());
          o.withReconciliationTerminationTimeout(OperatorShutdown.RECONCILE_GRACE);
          lease.ifPresent(held -> o.withLeaderElectionConfiguration(
              io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder
                  .aLeaderElectionConfiguration(held.name())
                  .withLeaseNamespace(held.namespace())
                  .withIdentity(held.identity())
                  .withExitOnStopLeading(false)
                  .withLeaderCallbacks(
                      new io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks(
                          () -> { }, shutdown::leadershipLost, newLeader -> { }))
                  .build()));
        });
    OperatorEndpoints endpoints = port < 0 ? null
        : OperatorEndpoints.start(port, operator, registry);
    shutdown.install(operator, endpoints);
    if (endpoints != null) {
      log.info("health and metrics on :{} (/livez, /readyz, /metrics)", endpoints.port());
    }
    log.info("Portcullis operator started against {}", client.getMasterUrl());
    Thread.currentThread().join();
  }

  /** The pod's name (HOSTNAME), as JOSDK would pick it, or a random one outside a pod. */
  static String leaderIdentity() {
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? java.util.UUID.randomUUID().toString() : host;
  }

  /** Starts the operator on {@code client}, watching all namespaces. */
  public static Operator start(KubernetesClient client) {
    return start(client, new SecureRegistryReconciler(), Set.of());
  }

  /**
   * Builds, registers and starts the operator. Server-side apply is off, for the primary's status
   * and for dependents alike: Fabric8's mock server does not implement it, and tests must run the
   * code path that ships (the Flink operator ships this way too). Dependents are then compared with
   * JOSDK's generic matcher and updated with optimistic locking.
   */
  public static Operator start(
      KubernetesClient client, SecureRegistryReconciler reconciler, Set<String> namespaces) {
    return start(client, reconciler, namespaces, o -> { });
  }

  /**
   * For tests: JOSDK's default reaction to an informer that stops (its API server went away) is
   * System.exit, right for a pod that Kubernetes restarts but fatal to a test JVM whose mock server
   * closed before the operator stopped. This one only logs.
   */
  public static final io.javaoperatorsdk.operator.api.config.InformerStoppedHandler LOG_INFORMER_STOP =
      (informer, error) -> org.slf4j.LoggerFactory.getLogger(OperatorMain.class)
          .warn("informer stopped: {}", error == null ? "closed" : error.toString());

  /** The same, with extra configuration (metrics, leader election) from {@link #main}. */
  public static Operator start(KubernetesClient client, SecureRegistryReconciler reconciler,
      Set<String> namespaces,
      java.util.function.Consumer<io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider>
          extra) {
    var operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false);
      extra.accept(o);
    });
    operator.register(reconciler, c -> {
      if (!namespaces.isEmpty()) {
        c.settingNamespaces(namespaces);
      }
    });
    operator.start();
    return operator;
  }

  static Set<String> watchedNamespaces() {
    String value = System.getenv(WATCH_NAMESPACES_ENV);
    if (value == null || value.isBlank()) {
      return Set.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toSet());
  }
}
