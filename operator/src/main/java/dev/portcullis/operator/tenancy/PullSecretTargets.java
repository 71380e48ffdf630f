package dev.portcullis.operator.tenancy;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The admin's policy for where a SecureRegistry's pull secrets may go. A registry's author picks
 * target namespaces in {@code spec.pullSecrets}; the operator then creates Secrets there and edits
 * ServiceAccounts, with its own rights, so the author must not be able to reach namespaces the
 * admin has not opened: by default only the registry's own namespace; beyond it, the namespaces
 * the admin lists, those carrying all the admin's labels, or (explicitly) any namespace.
 */
public final class PullSecretTargets {

  private final boolean anyNamespace;
  private final Set<String> namespaces;
  private final Map<String, String> labels;

  public PullSecretTargets(boolean anyNamespace, Set<String> namespaces,
      Map<String, String> labels) {
    this.anyNamespace = anyNamespace;
    this.namespaces = Set.copyOf(namespaces);
    this.labels = Map.copyOf(labels);
  }

  /** The default: a registry's pull secrets stay in its own namespace. */
  public static PullSecretTargets ownNamespaceOnly() {
    return new PullSecretTargets(false, Set.of(), Map.of());
  }

  public boolean anyNamespace() {
    return anyNamespace;
  }

  public Set<String> namespaces() {
    return namespaces;
  }

  public Map<String, String> labels() {
    return labels;
  }

  /**
   * Why a registry of {@code registryNamespace} may not put a pull secret in {@code target}
   * (labelled {@code targetLabels}); empty when it may.
   */
  public Optional<String> refusal(String registryNamespace, String target,
      Map<String, String> targetLabels) {
    if (target.equals(registryNamespace) || anyNamespace || namespaces.contains(target)) {
      return Optional.empty();
    }
    var have = targetLabels == null ? Map.<String, String>of() : targetLabels;
    if (!labels.isEmpty() && labels.entrySet().stream()
        .allMatch(e -> e.getValue().equals(have.get(e.getKey())))) {
      return Optional.empty();
    }
    return Optional.of("not open to pull secrets from other namespaces (the admin opens namespaces"
        + " with " + TenancySettings.PULL_SECRETS_NAMESPACES_ENV + " or "
        + TenancySettings.PULL_SECRETS_NAMESPACE_LABELS_ENV + ")");
  }
}
