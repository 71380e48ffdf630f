package dev.portcullis.operator.tenancy;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Well-known public registries. A SecureRegistry naming one of them in {@code spec.host} would, with
 * node trust, make every node send that registry's pulls to the tenant's server (and, with pull
 * secrets, the robot's password to the real one). Only the cluster's admin may allow one, in the
 * operator's own configuration ({@value TenancySettings#ALLOWED_PUBLIC_HOSTS_ENV}), e.g. for a
 * pull-through cache that stands in for it.
 */
public final class PublicRegistryHosts {

  /**
   * Exact names, and {@code *.suffix} for every name below a suffix (the suffix itself is listed
   * apart when it is a registry too).
   */
  public static final List<String> WELL_KNOWN = List.of(
      "docker.io", "registry-1.docker.io", "index.docker.io", "registry.hub.docker.com",
      "ghcr.io", "quay.io", "registry.k8s.io", "k8s.gcr.io", "gcr.io", "*.gcr.io", "*.pkg.dev",
      "public.ecr.aws", "*.amazonaws.com", "mcr.microsoft.com", "*.azurecr.io", "nvcr.io",
      "registry.gitlab.com", "registry.redhat.io", "registry.access.redhat.com",
      "docker.elastic.co", "cgr.dev", "icr.io", "*.icr.io", "*.ocir.io", "*.docker.io",
      "*.quay.io", "*.ghcr.io", "*.k8s.io");

  private final Set<String> allowed;

  /** {@code allowed}: names or {@code *.suffix} patterns the admin lets registries use. */
  public PublicRegistryHosts(Set<String> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  public static PublicRegistryHosts noneAllowed() {
    return new PublicRegistryHosts(Set.of());
  }

  public Set<String> allowed() {
    return allowed;
  }

  /** The well-known entry {@code host} falls under, unless the admin allowed it. */
  public Optional<String> refused(String host) {
    String name = RegistryHosts.name(host.toLowerCase(Locale.ROOT));
    if (allowed.stream().anyMatch(a -> matches(a, name))) {
      return Optional.empty();
    }
    return WELL_KNOWN.stream().filter(w -> matches(w, name)).findFirst();
  }

  static boolean matches(String pattern, String name) {
    return pattern.startsWith("*.") ? name.endsWith(pattern.substring(1)) : pattern.equals(name);
  }
}
