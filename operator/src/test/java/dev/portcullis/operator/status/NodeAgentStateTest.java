package dev.portcullis.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.model.NodeTrustModel;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The node agent's state from what the DaemonSet controller of a real cluster writes: it sets no
 * condition when pods cannot be created, only the counts in status and a FailedCreate event.
 */
class NodeAgentStateTest {

  static final String NS = "portcullis-node-agent";
  static final String REFUSAL = "Error creating: pods \"portcullis-node-agent-x7k2p\" is forbidden:"
      + " violates PodSecurity \"restricted:latest\": hostPath volumes (volume \"certs-d\")";

  static DaemonSet daemonSet(int desired, int current, int ready) {
    DaemonSet ds = NodeTrustModel.daemonSet(NS, "img", Optional.empty());
    ds.getMetadata().setUid("uid-1");
    ds.getMetadata().setGeneration(2L);
    ds.setStatus(new DaemonSetStatusBuilder().withObservedGeneration(2L)
        .withDesiredNumberScheduled(desired).withCurrentNumberScheduled(current)
        .withNumberReady(ready).withNumberUnavailable(desired - ready).build());
    return ds;
  }

  static Event failedCreate(String name, String message, String at) {
    return new EventBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewInvolvedObject().withKind("DaemonSet").withName("portcullis-node-agent")
          .withNamespace(NS).withUid("uid-1").endInvolvedObject()
        .withReason("FailedCreate").withType("Warning").withMessage(message)
        .withLastTimestamp(at).build();
  }

  @Test
  void podsRefusedAreDegradedWithTheControllersLatestMessage() {
    var older = failedCreate("a", "Error creating: pods \"x\" is forbidden: exceeded quota",
        "2026-12-01T10:00:00Z");
    var latest = failedCreate("b", REFUSAL, "2026-12-01T11:00:00Z");
    var unrelated = new EventBuilder(latest).editInvolvedObject().withName("other")
        .endInvolvedObject().withMessage("not ours").build();
    var state = NodeAgentState.of(NS, daemonSet(3, 0, 0), List.of(latest, older, unrelated));
    assertThat(state.degraded()).isTrue();
    assertThat(state.reason()).isEqualTo("FailedCreate");
    assertThat(state.message()).isEqualTo("DaemonSet portcullis-node-agent/portcullis-node-agent"
        + " cannot create pods (0 of 3 node agents ready): " + REFUSAL);
  }

  @Test
  void anOldFailedCreateWithEveryPodCreatedIsNotCurrent() {
    var ds = daemonSet(2, 2, 1);
    assertThat(NodeAgentState.podsMissing(ds)).isFalse();
    var state = NodeAgentState.of(NS, ds, List.of(failedCreate("a", REFUSAL,
        "2026-12-01T10:00:00Z")));
    assertThat(state.degraded()).isTrue();
    assertThat(state.reason()).isEqualTo("NodeAgentsNotReady");
    assertThat(state.message()).startsWith("1 of 2 node agents ready");
  }

  @Test
  void everyAgentReadyIsNotDegraded() {
    var state = NodeAgentState.of(NS, daemonSet(2, 2, 2), List.of());
    assertThat(state.degraded()).isFalse();
    assertThat(state.reason()).isEqualTo("NodeAgentsReady");
  }

  @Test
  void nothingToSayBeforeTheControllerHasSeenTheDaemonSet() {
    assertThat(NodeAgentState.of(NS, null, List.of()).degraded()).isNull();
    var ds = daemonSet(1, 0, 0);
    ds.getMetadata().setGeneration(3L);
    assertThat(NodeAgentState.of(NS, ds, List.of()).reason()).isEqualTo("RolloutPending");
  }
}
