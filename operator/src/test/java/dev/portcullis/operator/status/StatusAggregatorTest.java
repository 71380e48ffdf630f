package dev.portcullis.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.model.Problem;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusAggregatorTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T01:00:00Z");

  @Test
  void problemsMakeTheirConditionFalseAndThePhaseFailed() {
    var r = Registries.basic("apps", "reg");
    r.getMetadata().setGeneration(4L);
    var problem = new Problem(ConditionTypes.AUTH_READY, "SecretNotFound",
        "Secret rackham-password not found");
    var status = StatusAggregator.aggregate(r, empty(), List.of(problem), T0);
    assertThat(status.phase).isEqualTo("Failed");
    assertThat(status.observedGeneration).isEqualTo(4L);
    var auth = status.condition(ConditionTypes.AUTH_READY).orElseThrow();
    assertThat(auth.getStatus()).isEqualTo("False");
    assertThat(auth.getMessage()).isEqualTo("Secret rackham-password not found");
    assertThat(auth.getObservedGeneration()).isEqualTo(4L);
    assertThat(status.condition(ConditionTypes.READY).orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  void anUnchangedWorldGivesAnEqualStatusSoNothingIsWritten() {
    var r = Registries.tls(Registries.basic("apps", "reg"),
        dev.portcullis.operator.api.TlsSpec.Mode.Disabled);
    var deployment = new DeploymentBuilder().withNewMetadata().withName("reg").endMetadata()
        .withNewStatus().withReadyReplicas(1).withAvailableReplicas(1).endStatus().build();
    var claim = new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("reg-data").endMetadata().build();
    var seen = new Observed(deployment, null, null, claim, null, List.of());
    var first = StatusAggregator.aggregate(r, seen, List.of(), T0);
    assertThat(first.phase).isEqualTo("Ready");
    r.setStatus(first);
    var second = StatusAggregator.aggregate(r, seen, List.of(), T1);
    assertThat(second).isEqualTo(first);
    assertThat(second.condition(ConditionTypes.READY).orElseThrow().getLastTransitionTime())
        .isEqualTo("2026-01-01T00:00:00Z");
  }

  private static Observed empty() {
    return new Observed(null, null, null, null, null, List.of());
  }
}
