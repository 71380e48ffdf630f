package dev.portcullis.operator;

import dev.portcullis.operator.reconciler.SecureRegistryReconciler;
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

  public static void main(String[] args) throws InterruptedException, java.io.IOException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = start(client, new SecureRegistryReconciler(), watchedNamespaces());
    HealthEndpoint health = HealthEndpoint.start(operator, HealthEndpoint.port());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      health.close();
      operator.stop();
      client.close();
    }, "portcullis-shutdown"));
    log.info("Portcullis operator started against {}", client.getMasterUrl());
    Thread.currentThread().join();
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
    var operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false));
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
