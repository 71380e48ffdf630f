package dev.portcullis.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TenancySettingsTest {

  @Test
  void nothingSetOpensNothing() {
    var s = TenancySettings.from(Map.of());
    assertThat(s.publicHosts().allowed()).isEmpty();
    assertThat(s.pullSecretTargets().anyNamespace()).isFalse();
    assertThat(s.pullSecretTargets().namespaces()).isEmpty();
    assertThat(s.pullSecretTargets().labels()).isEmpty();
  }

  @Test
  void theAdminsValuesAreParsed() {
    var s = TenancySettings.from(Map.of(
        TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV, "docker.io, *.pkg.dev",
        TenancySettings.PULL_SECRETS_NAMESPACES_ENV, "shop,ci",
        TenancySettings.PULL_SECRETS_NAMESPACE_LABELS_ENV,
        "portcullis.dev/pull-secrets=allowed, tier=apps"));
    assertThat(s.publicHosts().allowed()).containsExactlyInAnyOrder("docker.io", "*.pkg.dev");
    assertThat(s.pullSecretTargets().namespaces()).containsExactlyInAnyOrder("shop", "ci");
    assertThat(s.pullSecretTargets().labels()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "portcullis.dev/pull-secrets", "allowed", "tier", "apps"));
    assertThat(TenancySettings.from(Map.of(TenancySettings.PULL_SECRETS_NAMESPACES_ENV, "*"))
        .pullSecretTargets().anyNamespace()).isTrue();
  }

  @Test
  void aMalformedValueNamesTheVariable() {
    assertThatThrownBy(() -> TenancySettings.from(Map.of(
        TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV, "https://docker.io")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(TenancySettings.ALLOWED_PUBLIC_HOSTS_ENV
            + ": 'https://docker.io' is not a lower-case host name (no port) or *.suffix");
    assertThatThrownBy(() -> TenancySettings.from(Map.of(
        TenancySettings.PULL_SECRETS_NAMESPACES_ENV, "Kube_System")))
        .hasMessageStartingWith(TenancySettings.PULL_SECRETS_NAMESPACES_ENV + ": 'Kube_System'");
    assertThatThrownBy(() -> TenancySettings.from(Map.of(
        TenancySettings.PULL_SECRETS_NAMESPACE_LABELS_ENV, "team")))
        .hasMessageStartingWith(TenancySettings.PULL_SECRETS_NAMESPACE_LABELS_ENV + ": 'team'");
  }
}
