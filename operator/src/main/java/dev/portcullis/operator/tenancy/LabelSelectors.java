package dev.portcullis.operator.tenancy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * A LabelSelector evaluated against an object's labels, as the API server does: where the
 * operator may not list namespaces cluster-wide (a single-namespace install), it reads the few
 * namespaces it may and matches them itself.
 */
public final class LabelSelectors {

  private LabelSelectors() {}

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    Map<String, String> have = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null && !selector.getMatchLabels().entrySet().stream()
        .allMatch(e -> e.getValue().equals(have.get(e.getKey())))) {
      return false;
    }
    if (selector.getMatchExpressions() == null) {
      return true;
    }
    for (LabelSelectorRequirement req : selector.getMatchExpressions()) {
      String value = have.get(req.getKey());
      List<String> values = req.getValues() == null ? List.of() : req.getValues();
      boolean ok = switch (req.getOperator()) {
        case "In" -> value != null && values.contains(value);
        case "NotIn" -> value == null || !values.contains(value);
        case "Exists" -> have.containsKey(req.getKey());
        case "DoesNotExist" -> !have.containsKey(req.getKey());
        default -> false; // the API server refuses other operators: match nothing
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
