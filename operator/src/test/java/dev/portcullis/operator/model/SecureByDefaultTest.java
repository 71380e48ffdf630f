package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.status.Observed;
import dev.portcullis.operator.status.StatusAggregator;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Issue #25, item 2: a SecureRegistry is never an open registry by accident. The mode follows the
 * one auth section given; no authentication at all takes an explicit {@code mode: None} (or
 * client certificates); and what is left open is a warning condition saying what to change.
 */
class SecureByDefaultTest {

  static SecureRegistry withAuth(AuthSpec auth) {
    var r = Registries.basic("apps", "reg");
    r.getSpec().auth = auth;
    return r;
  }

  static AuthSpec htpasswdOnly() {
    var auth = Registries.htpasswd("apps", "reg", "ci").getSpec().auth;
    auth.mode = null;
    return auth;
  }

  static Condition insecure(SecureRegistry r) {
    return StatusAggregator.aggregate(r, new Observed(null, null, null, null, null, List.of()),
        SpecCheck.check(r), Instant.EPOCH).condition(ConditionTypes.INSECURE).orElseThrow();
  }

  @Test
  @SuppressWarnings("unchecked")
  void anHtpasswdSectionWithoutModeIsBasicAuthNotAnOpenRegistry() {
    var r = withAuth(htpasswdOnly());
    assertThat(r.getSpec().effectiveAuth().effectiveMode()).isEqualTo(AuthSpec.Mode.Htpasswd);
    assertThat(SpecCheck.check(r)).isEmpty();
    Map<String, Object> root = new Yaml().load(RegistryConfig.yaml(r));
    assertThat((Map<String, Object>) root.get("auth")).containsOnlyKeys("htpasswd");
    assertThat(insecure(r).getStatus()).isEqualTo("False");
  }

  @Test
  void aTokenSectionWithoutModeIsTheManagedIssuer() {
    var auth = new AuthSpec();
    auth.token = new AuthSpec.Token();
    var r = withAuth(auth);
    assertThat(r.getSpec().effectiveAuth().effectiveMode()).isEqualTo(AuthSpec.Mode.Token);
    assertThat(r.getSpec().effectiveAuth().managedToken()).isNotNull();
    assertThat(SpecCheck.check(r)).isEmpty();
  }

  @Test
  void noAuthAtAllIsRefusedWithWhatToWrite() {
    for (AuthSpec auth : new AuthSpec[] {null, new AuthSpec()}) {
      var r = withAuth(auth);
      assertThat(SpecCheck.check(r)).extracting(Problem::reason, Problem::message)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("AuthenticationUnspecified",
              "auth needs auth.htpasswd or auth.token, or auth.mode None for a registry anyone"
                  + " who reaches it can push to"));
    }
  }

  @Test
  void clientCertificatesAuthenticateWithoutAnAuthSection() {
    var r = Registries.tls(withAuth(null), TlsSpec.Mode.MutualTLS);
    assertThat(SpecCheck.check(r)).isEmpty();
    var status = StatusAggregator.aggregate(r, new Observed(null, null, null, null, null,
        List.of()), List.of(), Instant.EPOCH);
    assertThat(status.condition(ConditionTypes.AUTH_READY).orElseThrow().getReason())
        .isEqualTo("ClientCertificates");
    assertThat(status.condition(ConditionTypes.INSECURE).orElseThrow().getStatus())
        .isEqualTo("False");
  }

  @Test
  void sectionsTheModeDoesNotUseAreAmbiguous() {
    var both = htpasswdOnly();
    both.token = new AuthSpec.Token();
    assertThat(SpecCheck.check(withAuth(both))).extracting(Problem::message)
        .containsExactly("auth has both htpasswd and token: set auth.mode to the one to use");
    var none = htpasswdOnly();
    none.mode = AuthSpec.Mode.None;
    assertThat(SpecCheck.check(withAuth(none))).extracting(Problem::message).containsExactly(
        "auth.mode None does not use auth.htpasswd: remove it, or set auth.mode to match");
    var token = new AuthSpec();
    token.mode = AuthSpec.Mode.Token;
    token.htpasswd = htpasswdOnly().htpasswd;
    assertThat(SpecCheck.check(withAuth(token))).extracting(Problem::reason)
        .containsExactly("AmbiguousAuth");
  }

  @Test
  void anExplicitlyOpenOrPlainRegistryCarriesAWarningSayingWhatToChange() {
    var open = Registries.basic("apps", "reg");
    assertThat(SpecCheck.check(open)).isEmpty();
    assertThat(insecure(open)).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("NoAuthentication");
      assertThat(c.getMessage()).contains("give auth.htpasswd or auth.token");
    });
    var plain = Registries.tls(withAuth(htpasswdOnly()), TlsSpec.Mode.Disabled);
    assertThat(insecure(plain)).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("TLSDisabled");
      assertThat(c.getMessage()).contains("leave tls.mode out");
    });
    var both = Registries.tls(Registries.basic("apps", "reg"), TlsSpec.Mode.Disabled);
    assertThat(insecure(both).getReason()).isEqualTo("NoAuthenticationNoTLS");
    // a warning: Ready does not wait for it
    var status = StatusAggregator.aggregate(both, new Observed(null, null, null, null, null,
        List.of()), List.of(), Instant.EPOCH);
    assertThat(status.conditions).extracting(Condition::getType)
        .endsWith(ConditionTypes.READY, ConditionTypes.INSECURE);
  }
}
