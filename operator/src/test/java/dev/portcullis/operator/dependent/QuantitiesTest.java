package dev.portcullis.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuantitiesTest {
  @Test
  void equalAmountsTakeTheServersSpelling() {
    var desired = new HashMap<>(Map.of("cpu", new Quantity("1000m"), "memory", new Quantity("1Gi")));
    Quantities.align(desired, Map.of("cpu", new Quantity("1"), "memory", new Quantity("2Gi")));
    assertThat(desired.get("cpu").toString()).isEqualTo("1");
    assertThat(desired.get("memory").toString()).isEqualTo("1Gi");
  }
}
