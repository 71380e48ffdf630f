package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.testsupport.MockCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kubernetes stops the operator's pod with SIGTERM and waits its grace period before SIGKILL. The
 * shaded jar, as the pod runs it, gets a real SIGTERM here: it must exit 0 (not 143, which shows as
 * Error) within 5 s and, with leader election on (deploy/'s default), hand its Lease over so that
 * the standby takes over at once instead of after the lease duration.
 */
class JarShutdownIT {

  static final String LEASE_NAMESPACE = "portcullis-system";

  @Test
  void sigtermWithLeaderElectionReleasesTheLeaseAndExitsZeroWithinFiveSeconds() throws Exception {
    try (var cluster = new MockCluster(true)) {
      Process operator = start(cluster, Map.of("PORTCULLIS_LEADER_ELECTION", "true",
          "HOSTNAME", "operator-a"), "a");
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions().until(() -> "operator-a".equals(lease(cluster).getSpec()
                .getHolderIdentity()));
        long signalled = System.nanoTime();
        operator.destroy(); // SIGTERM
        assertThat(operator.waitFor(5, TimeUnit.SECONDS)).as("exited within 5 s of SIGTERM")
            .isTrue();
        long millis = (System.nanoTime() - signalled) / 1_000_000;
        assertThat(operator.exitValue()).as("exit status (took %d ms)", millis).isZero();
        assertThat(lease(cluster).getSpec().getHolderIdentity()).as("the Lease is released")
            .isNull();
        System.out.println("SIGTERM to exit with leader election: " + millis + " ms");
      } finally {
        operator.destroyForcibly();
      }
    }
  }

  @Test
  void sigtermWithoutLeaderElectionExitsZero() throws Exception {
    try (var cluster = new MockCluster(true)) {
      Process operator = start(cluster, Map.of(), "b");
      try {
        Path log = Path.of("target", "shutdown-operator-b.log");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> Files.exists(log) && Files.readString(log).contains("operator started"));
        long signalled = System.nanoTime();
        operator.destroy();
        assertThat(operator.waitFor(5, TimeUnit.SECONDS)).isTrue();
        long millis = (System.nanoTime() - signalled) / 1_000_000;
        assertThat(operator.exitValue()).as("exit status (took %d ms)", millis).isZero();
      } finally {
        operator.destroyForcibly();
      }
    }
  }

  static Lease lease(MockCluster cluster) {
    return cluster.client.leases().inNamespace(LEASE_NAMESPACE)
        .withName(OperatorMain.LEASE_NAME).get();
  }

  static Process start(MockCluster cluster, Map<String, String> env, String name)
      throws Exception {
    var builder = OperatorJar.process(OperatorJar.kubeconfig("shutdown-" + name,
        cluster.client.getMasterUrl().toString()));
    builder.environment().put("PORTCULLIS_HTTP_PORT", "0");
    builder.environment().put("PORTCULLIS_NAMESPACE", LEASE_NAMESPACE);
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    builder.redirectOutput(Path.of("target", "shutdown-operator-" + name + ".log").toFile());
    return builder.start();
  }
}
