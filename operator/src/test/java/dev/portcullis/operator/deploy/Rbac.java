package dev.portcullis.operator.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The RBAC of a rendered install as the API server's authorizer sees it, for one ServiceAccount:
 * a request is allowed when a rule of a role bound to the account matches its group, resource,
 * verb and (if the rule names some) resource name, and the binding's scope covers its namespace.
 */
final class Rbac {

  /** One API call: namespace is null cluster-wide (a cluster-scoped resource, or across all namespaces), {@link #ANY} for "any one namespace". */
  record Call(String group, String resource, String verb, String namespace, String name) {
    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
          + (name == null ? "" : " " + name)
          + (namespace == null ? " cluster-wide" : " in " + namespace);
    }
  }

  static final String ANY = "<any namespace>";

  private record Rule(List<String> groups, List<String> resources, List<String> verbs,
                      List<String> names) {
    boolean matches(Call c) {
      return (groups.contains(c.group) || groups.contains("*"))
          && (resources.contains(c.resource) || resources.contains("*"))
          && (verbs.contains(c.verb) || verbs.contains("*"))
          && (names.isEmpty() || (c.name != null && names.contains(c.name)));
    }
  }

  /** Rules granted, with the namespace the grant is limited to (null: everywhere). */
  private record Grant(String namespace, Rule rule, Map<String, Object> source) {}

  private final List<Grant> grants = new ArrayList<>();
  final List<Map<String, Object>> rules = new ArrayList<>();

  Rbac(List<Map<String, Object>> docs, String saNamespace, String saName) {
    for (var binding : docs) {
      String kind = Kustomize.kind(binding);
      if (!"RoleBinding".equals(kind) && !"ClusterRoleBinding".equals(kind)) {
        continue;
      }
      List<Map<String, Object>> subjects = Kustomize.at(binding, "subjects");
      boolean ours = subjects != null && subjects.stream().anyMatch(s ->
          "ServiceAccount".equals(s.get("kind")) && saName.equals(s.get("name"))
              && saNamespace.equals(s.get("namespace")));
      if (!ours) {
        continue;
      }
      String roleKind = Kustomize.at(binding, "roleRef", "kind");
      String roleName = Kustomize.at(binding, "roleRef", "name");
      String scope = "RoleBinding".equals(kind) ? Kustomize.namespace(binding) : null;
      var role = docs.stream().filter(d -> roleKind.equals(Kustomize.kind(d))
              && roleName.equals(Kustomize.name(d))
              && ("ClusterRole".equals(roleKind)
                  || Objects.equals(Kustomize.namespace(d), Kustomize.namespace(binding))))
          .findFirst().orElseThrow(() -> new AssertionError(
              kind + " " + Kustomize.name(binding) + " refers to a missing " + roleKind + " "
                  + roleName));
      List<Map<String, Object>> roleRules = Kustomize.at(role, "rules");
      for (var r : roleRules) {
        rules.add(r);
        grants.add(new Grant(scope, new Rule(list(r, "apiGroups"), list(r, "resources"),
            list(r, "verbs"), list(r, "resourceNames")), r));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> list(Map<String, Object> rule, String key) {
    Object v = rule.get(key);
    return v == null ? List.of() : (List<String>) v;
  }

  /** The rules granted in every namespace and cluster-wide (bound by a ClusterRoleBinding). */
  List<Map<String, Object>> clusterWideRules() {
    return grants.stream().filter(g -> g.namespace == null).map(Grant::source).toList();
  }

  /**
   * Whether every resource and verb of {@code rule} is used by some call of {@code calls} that
   * only a cluster-wide grant allows (a cluster-scoped resource, or across all namespaces).
   */
  static boolean usedBy(Map<String, Object> rule, java.util.Collection<Call> calls) {
    for (String resource : list(rule, "resources")) {
      for (String verb : list(rule, "verbs")) {
        var r = new Rule(list(rule, "apiGroups"), List.of(resource), List.of(verb),
            list(rule, "resourceNames"));
        if (calls.stream().noneMatch(c -> c.namespace() == null && r.matches(c))) {
          return false;
        }
      }
    }
    return true;
  }

  boolean allows(Call c) {
    return grants.stream().anyMatch(g -> g.rule.matches(c)
        && (g.namespace == null || (c.namespace != null && !ANY.equals(c.namespace)
            && g.namespace.equals(c.namespace))));
  }
}
