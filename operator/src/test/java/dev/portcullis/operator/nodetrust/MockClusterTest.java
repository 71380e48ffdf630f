package dev.portcullis.operator.nodetrust;

import dev.portcullis.operator.testsupport.MockCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests that take the operator's objects to real processes share: one mock cluster with the
 * operator and the fake cert-manager per class, and a folder per test.
 */
abstract class MockClusterTest {

  static MockCluster cluster;

  @TempDir Path dir;

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

  static <T extends HasMetadata> T get(Class<T> type, String ns, String name) {
    return cluster.client.resources(type).inNamespace(ns).withName(name).get();
  }
}
