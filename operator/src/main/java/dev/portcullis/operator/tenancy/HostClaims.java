package dev.portcullis.operator.tenancy;

import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Problem;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Who owns a host: a name in {@code spec.host} belongs to the SecureRegistry that claimed it first
 * (oldest creationTimestamp, then namespace, then name), across the registries the operator watches. A
 * later registry naming it, or naming a well-known public registry the admin has not allowed, is
 * refused, so node trust and pull secrets only ever cover names the registry really owns.
 */
public final class HostClaims {

  /** Oldest first; an object without a timestamp (not stored yet) comes last. */
  static final Comparator<SecureRegistry> FIRST_CLAIM = Comparator
      .comparing((SecureRegistry r) -> created(r).orElse(Instant.MAX))
      .thenComparing((SecureRegistry r) -> r.getMetadata().getNamespace())
      .thenComparing((SecureRegistry r) -> r.getMetadata().getName());

  private HostClaims() {}

  /** The problems of {@code r}'s hosts among {@code registries} (which may include {@code r}). */
  public static List<Problem> problems(SecureRegistry r, Collection<SecureRegistry> registries,
      PublicRegistryHosts publicHosts) {
    return problems(r, firstClaimants(registries), publicHosts);
  }

  /**
   * Each normalized host of {@code registries} with the registry that claimed it first: built once
   * when many registries are checked against the same list (node trust, every reconcile).
   */
  public static Map<String, SecureRegistry> firstClaimants(Collection<SecureRegistry> registries) {
    var owners = new HashMap<String, SecureRegistry>();
    registries.stream()
        .filter(o -> o.getSpec() != null && o.getMetadata().getDeletionTimestamp() == null)
        .sorted(FIRST_CLAIM)
        .forEach(o -> claimed(o).keySet().forEach(h ->
            owners.putIfAbsent(RegistryHosts.normalized(h), o)));
    return owners;
  }

  /** The problems of {@code r}'s hosts, given {@link #firstClaimants} of the registries. */
  public static List<Problem> problems(SecureRegistry r,
      Map<String, SecureRegistry> firstClaimants, PublicRegistryHosts publicHosts) {
    var problems = new ArrayList<Problem>();
    for (var claim : claimed(r).entrySet()) {
      String host = claim.getKey();
      String field = claim.getValue();
      publicHosts.refused(host).ifPresent(entry -> problems.add(new Problem(
          ConditionTypes.CERTIFICATES_READY, "PublicRegistryHost",
          field + " '" + host + "' is a public registry (" + entry + "): only the cluster's"
              + " admin can allow it, in the operator's " + TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV)));
      SecureRegistry other = firstClaimants.get(RegistryHosts.normalized(host));
      // the first claimant among the others may still be younger than r: then r is the first
      if (other != null && !id(other).equals(id(r)) && FIRST_CLAIM.compare(other, r) < 0) {
        problems.add(new Problem(ConditionTypes.CERTIFICATES_READY, "HostClaimed",
            field + " '" + host + "' is already claimed by SecureRegistry " + id(other)
                + " (created " + other.getMetadata().getCreationTimestamp() + "): remove it"
                + " here, or from " + id(other) + " first"));
      }
    }
    return problems;
  }

  /**
   * Every name {@code r} answers for, with the field it comes from: its hosts (spec.host and the
   * external host of expose), the token issuer's external host, which an Ingress or route
   * sends to it as well, and with node trust the upstreams it caches, whose pulls every node then
   * sends to it (so docker.io is the admin's to allow, and one registry's at a time).
   */
  static Map<String, String> claimed(SecureRegistry r) {
    var out = new java.util.LinkedHashMap<String, String>();
    r.getSpec().effectiveHosts().forEach(h -> out.putIfAbsent(h, "spec.host"));
    String token = r.getSpec().expose == null ? null : r.getSpec().expose.tokenHost();
    if (token != null) {
      out.putIfAbsent(token, "spec.expose tokenHost");
    }
    if (r.getSpec().effectiveNodeTrust().effectiveEnabled()) {
      dev.portcullis.operator.model.ProxyModel.nodeMirrors(r)
          .forEach(m -> out.putIfAbsent(m.name(), "spec.proxy.upstreams"));
    }
    return out;
  }

  static String id(SecureRegistry r) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  private static Optional<Instant> created(SecureRegistry r) {
    try {
      return Optional.ofNullable(r.getMetadata().getCreationTimestamp()).map(Instant::parse);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
