package dev.portcullis.operator.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 25 item 6: where a registry's pull secrets may go is the admin's decision. */
class PullSecretTargetsTest {

  @Test
  void byDefaultOnlyTheRegistrysOwnNamespace() {
    var policy = PullSecretTargets.ownNamespaceOnly();
    assertThat(policy.refusal("team-a", "team-a", Map.of())).isEmpty();
    assertThat(policy.refusal("team-a", "kube-system", Map.of())).get().asString()
        .contains("not open to pull secrets", TenancySettings.PULL_SECRETS_NAMESPACES_ENV);
    assertThat(policy.refusal("team-a", "team-b", Map.of("portcullis.dev/pull-secrets",
        "allowed"))).isPresent();
  }

  @Test
  void theAdminOpensNamespacesByNameByLabelsOrAll() {
    var byName = new PullSecretTargets(false, Set.of("shop"), Map.of());
    assertThat(byName.refusal("team-a", "shop", Map.of())).isEmpty();
    assertThat(byName.refusal("team-a", "kube-system", Map.of())).isPresent();

    var byLabels = new PullSecretTargets(false, Set.of(),
        Map.of("portcullis.dev/pull-secrets", "allowed", "tier", "apps"));
    assertThat(byLabels.refusal("team-a", "shop",
        Map.of("portcullis.dev/pull-secrets", "allowed", "tier", "apps", "x", "y"))).isEmpty();
    assertThat(byLabels.refusal("team-a", "shop",
        Map.of("portcullis.dev/pull-secrets", "allowed"))).isPresent();
    assertThat(byLabels.refusal("team-a", "shop", null)).isPresent();

    assertThat(new PullSecretTargets(true, Set.of(), Map.of())
        .refusal("team-a", "kube-system", Map.of())).isEmpty();
  }

  @Test
  void labelSelectorsMatchAsTheApiServerDoes() {
    var selector = new LabelSelectorBuilder().addToMatchLabels("team", "a")
        .addNewMatchExpression().withKey("tier").withOperator("In").withValues("apps", "web")
        .endMatchExpression()
        .addNewMatchExpression().withKey("frozen").withOperator("DoesNotExist").endMatchExpression()
        .build();
    assertThat(LabelSelectors.matches(selector, Map.of("team", "a", "tier", "web"))).isTrue();
    assertThat(LabelSelectors.matches(selector, Map.of("team", "a", "tier", "db"))).isFalse();
    assertThat(LabelSelectors.matches(selector, Map.of("team", "b", "tier", "web"))).isFalse();
    assertThat(LabelSelectors.matches(selector,
        Map.of("team", "a", "tier", "web", "frozen", "yes"))).isFalse();
    assertThat(LabelSelectors.matches(new LabelSelectorBuilder().addNewMatchExpression()
        .withKey("tier").withOperator("NotIn").withValues("db").endMatchExpression().build(),
        Map.of())).isTrue();
  }
}
