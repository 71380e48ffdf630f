package dev.portcullis.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.Problem;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 25 item 3: a host belongs to the registry that claimed it first; public names need the admin. */
class HostClaimsTest {

  static SecureRegistry registry(String ns, String name, String created, String... hosts) {
    var r = Registries.basic(ns, name);
    r.getMetadata().setCreationTimestamp(created);
    r.getSpec().host = List.of(hosts);
    return r;
  }

  @Test
  void theLaterRegistryIsRefusedAndTheMessageNamesTheFirst() {
    var first = registry("team-a", "reg", "2026-01-01T00:00:00Z", "registry.example.com");
    var later = registry("team-b", "reg", "2026-01-02T00:00:00Z", "other.example.com",
        "REGISTRY.example.com:443");
    var all = List.of(later, first);
    assertThat(HostClaims.problems(first, all, PublicRegistryHosts.noneAllowed())).isEmpty();
    var problems = HostClaims.problems(later, all, PublicRegistryHosts.noneAllowed());
    assertThat(problems).extracting(Problem::reason).containsExactly("HostClaimed");
    assertThat(problems.get(0).message()).contains("'REGISTRY.example.com:443'",
        "SecureRegistry team-a/reg", "2026-01-01T00:00:00Z");
  }

  /**
   * Issue 18 item 8: an exposed registry's external host and its token issuer's are claimed like
   * spec.host; a later registry routing either (an Ingress for the same host would take or split
   * the first one's traffic) is refused.
   */
  @Test
  void exposedHostsAndTokenHostsAreClaimedToo() {
    var first = registry("team-a", "reg", "2026-01-01T00:00:00Z");
    first.getSpec().host = null;
    first.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Token;
    first.getSpec().expose = new dev.portcullis.operator.api.ExposeSpec();
    first.getSpec().expose.ingress = new dev.portcullis.operator.api.ExposeSpec.Ingress();
    first.getSpec().expose.ingress.host = "reg.example.com";
    first.getSpec().expose.ingress.tokenHost = "auth.example.com";
    var later = registry("team-b", "reg", "2026-01-02T00:00:00Z", "auth.example.com");
    later.getSpec().auth.mode = dev.portcullis.operator.api.AuthSpec.Mode.Token;
    later.getSpec().expose = new dev.portcullis.operator.api.ExposeSpec();
    later.getSpec().expose.ingress = new dev.portcullis.operator.api.ExposeSpec.Ingress();
    later.getSpec().expose.ingress.host = "other.example.com";
    later.getSpec().expose.ingress.tokenHost = "reg.example.com";
    var all = List.of(later, first);
    assertThat(HostClaims.problems(first, all, PublicRegistryHosts.noneAllowed())).isEmpty();
    assertThat(HostClaims.problems(later, all, PublicRegistryHosts.noneAllowed()))
        .extracting(Problem::message).containsExactly(
            "spec.host 'auth.example.com' is already claimed by SecureRegistry team-a/reg"
                + " (created 2026-01-01T00:00:00Z): remove it here, or from team-a/reg first",
            "spec.expose tokenHost 'reg.example.com' is already claimed by SecureRegistry"
                + " team-a/reg (created 2026-01-01T00:00:00Z): remove it here, or from"
                + " team-a/reg first");
  }

  @Test
  void sameCreationTimeFallsBackToNamespaceAndName() {
    var a = registry("team", "a-x", "2026-01-01T00:00:00Z", "r.example.com");
    var b = registry("team-a", "x", "2026-01-01T00:00:00Z", "r.example.com");
    var all = List.of(a, b);
    assertThat(HostClaims.problems(a, all, PublicRegistryHosts.noneAllowed())).isEmpty();
    assertThat(HostClaims.problems(b, all, PublicRegistryHosts.noneAllowed()))
        .extracting(Problem::reason).containsExactly("HostClaimed");
  }

  @Test
  void aRegistryBeingDeletedNoLongerClaims() {
    var leaving = registry("team-a", "reg", "2026-01-01T00:00:00Z", "r.example.com");
    leaving.getMetadata().setDeletionTimestamp("2026-01-03T00:00:00Z");
    var later = registry("team-b", "reg", "2026-01-02T00:00:00Z", "r.example.com");
    assertThat(HostClaims.problems(later, List.of(leaving, later),
        PublicRegistryHosts.noneAllowed())).isEmpty();
  }

  @Test
  void differentPortsAreDifferentHosts() {
    var a = registry("team-a", "reg", "2026-01-01T00:00:00Z", "r.example.com:5000");
    var b = registry("team-b", "reg", "2026-01-02T00:00:00Z", "r.example.com:5001");
    assertThat(HostClaims.problems(b, List.of(a, b), PublicRegistryHosts.noneAllowed())).isEmpty();
  }

  @Test
  void publicRegistriesAreRefusedUnlessTheAdminAllowsThem() {
    var r = registry("team-a", "reg", "2026-01-01T00:00:00Z", "docker.io", "registry.k8s.io:443",
        "eu.gcr.io", "europe-docker.pkg.dev", "public.ecr.aws", "mirror.example.com");
    var problems = HostClaims.problems(r, List.of(r), PublicRegistryHosts.noneAllowed());
    assertThat(problems).extracting(Problem::reason).containsOnly("PublicRegistryHost")
        .hasSize(5);
    assertThat(problems.get(2).message()).contains("'eu.gcr.io'", "*.gcr.io",
        TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV);

    var admin = new PublicRegistryHosts(Set.of("docker.io", "*.pkg.dev"));
    assertThat(HostClaims.problems(r, List.of(r), admin)).extracting(Problem::message)
        .hasSize(3).noneMatch(m -> m.contains("'docker.io'") || m.contains("pkg.dev"));
  }

  /**
   * Issue 20 item 4: with node trust, the upstreams a registry caches send every node's pulls of
   * them to it: claimed like spec.host, so docker.io is the admin's to allow and one registry's.
   */
  @Test
  void mirroredUpstreamsAreClaimedWithNodeTrust() {
    var first = registry("infra", "cache", "2026-01-01T00:00:00Z");
    first.getSpec().proxy = new dev.portcullis.operator.api.ProxySpec();
    first.getSpec().proxy.upstreams = List.of(
        Registries.upstream("docker.io", "https://registry-1.docker.io"));
    var later = registry("team-b", "cache", "2026-01-02T00:00:00Z");
    later.getSpec().proxy = first.getSpec().proxy;
    var all = List.of(first, later);
    var admin = new PublicRegistryHosts(Set.of("docker.io"));
    // without node trust the cache is only reached by prefix: nothing is claimed
    assertThat(HostClaims.problems(later, all, PublicRegistryHosts.noneAllowed())).isEmpty();

    for (var r : all) {
      r.getSpec().nodeTrust = new dev.portcullis.operator.api.NodeTrustSpec();
      r.getSpec().nodeTrust.enabled = true;
    }
    assertThat(HostClaims.problems(first, all, PublicRegistryHosts.noneAllowed()))
        .extracting(Problem::reason, Problem::message).containsExactly(org.assertj.core.groups
            .Tuple.tuple("PublicRegistryHost", "spec.proxy.upstreams 'docker.io' is a public"
                + " registry (docker.io): only the cluster's admin can allow it, in the operator's "
                + TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV));
    assertThat(HostClaims.problems(first, all, admin)).isEmpty();
    assertThat(HostClaims.problems(later, all, admin)).extracting(Problem::reason)
        .containsExactly("HostClaimed");
  }

  @Test
  void suffixPatternsMatchOnALabelBoundary() {
    var hosts = PublicRegistryHosts.noneAllowed();
    assertThat(hosts.refused("mygcr.io")).isEmpty();
    assertThat(hosts.refused("notdocker.io")).isEmpty();
    assertThat(hosts.refused("a.b.gcr.io")).contains("*.gcr.io");
    assertThat(hosts.refused("index.docker.io:443")).contains("index.docker.io");
  }
}
