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

  @Test
  void suffixPatternsMatchOnALabelBoundary() {
    var hosts = PublicRegistryHosts.noneAllowed();
    assertThat(hosts.refused("mygcr.io")).isEmpty();
    assertThat(hosts.refused("notdocker.io")).isEmpty();
    assertThat(hosts.refused("a.b.gcr.io")).contains("*.gcr.io");
    assertThat(hosts.refused("index.docker.io:443")).contains("index.docker.io");
  }
}
