package dev.portcullis.operator.dependent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Makes desired quantities textually equal to actual ones when they are the same amount. */
final class Quantities {
  private Quantities() {}

  static void alignContainerResources(List<Container> desired, List<Container> actual) {
    if (desired == null || actual == null) {
      return;
    }
    for (Container d : desired) {
      if (d.getResources() == null) {
        continue;
      }
      actual.stream().filter(a -> Objects.equals(a.getName(), d.getName())).findFirst()
          .filter(a -> a.getResources() != null)
          .ifPresent(a -> {
            align(d.getResources().getRequests(), a.getResources().getRequests());
            align(d.getResources().getLimits(), a.getResources().getLimits());
          });
    }
  }

  static void align(Map<String, Quantity> desired, Map<String, Quantity> actual) {
    if (desired == null || actual == null) {
      return;
    }
    desired.replaceAll((key, q) -> {
      Quantity a = actual.get(key);
      return a != null && q != null
          && q.getNumericalAmount().compareTo(a.getNumericalAmount()) == 0 ? a : q;
    });
  }
}
