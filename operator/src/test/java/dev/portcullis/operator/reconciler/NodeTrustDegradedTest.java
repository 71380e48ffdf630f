package dev.portcullis.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.kubelet.Kubelet;
import dev.portcullis.operator.testsupport.kubelet.PodSecurityStandards;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 2: on a real cluster the node agent's pods were refused by Pod Security
 * admission, the DaemonSet controller logged FailedCreate forever, and no SecureRegistry said so.
 * Here the node agent's namespace is labelled restricted (as portcullis-system was), the test
 * kubelet admits pods as Pod Security does and records FailedCreate as the DaemonSet controller
 * does, and the registry using node trust carries the controller's message.
 */
class NodeTrustDegradedTest {

  @Test
  void aNodeAgentThatCannotCreatePodsIsAConditionOnTheRegistry(@TempDir Path dir)
      throws Exception {
    try (var cluster = new MockCluster(true)) {
      cluster.client.resource(new NamespaceBuilder().withNewMetadata()
          .withName(NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE)
          .addToLabels(PodSecurityStandards.ENFORCE_LABEL, "restricted").endMetadata().build())
          .create();
      cluster.startOperator();
      try (var kubelet = new Kubelet(cluster.client, Path.of("..", "registry-image", "target",
          "portcullis-registry.jar"), dir).start()) {
        var r = Registries.tls(Registries.basic("apps", "reg"), TlsSpec.Mode.TLS);
        r.getSpec().replicas = 0; // no registry process: only the node agent matters here
        r.getSpec().nodeTrust = new NodeTrustSpec();
        r.getSpec().nodeTrust.enabled = true;
        cluster.client.resource(r).create();
        // the registry's next look (RETRY) after the controller's refusal
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() -> {
          var c = cluster.client.resources(SecureRegistry.class).inNamespace("apps")
              .withName("reg").get().getStatus().condition(ConditionTypes.NODE_TRUST_DEGRADED)
              .orElseThrow();
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getReason()).isEqualTo("FailedCreate");
          assertThat(c.getMessage()).startsWith("DaemonSet portcullis-node-agent/"
              + "portcullis-node-agent cannot create pods (0 of 1 node agents ready): Error"
              + " creating: pods \"portcullis-node-agent-").contains(
                  "violates PodSecurity \"restricted:latest\"",
                  "hostPath volumes (volume \"certs-d\")");
        });
        assertThat(kubelet.pods(NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE,
            "portcullis-node-agent")).isEmpty();
      }
    }
  }
}
