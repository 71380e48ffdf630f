package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 25 item 6: pull secrets' names and contents. */
class PullRobotTest {

  @Test
  void pullSecretNamesDoNotCollideAcrossTenants() {
    String a = PullRobot.pullSecretName(Registries.basic("team", "a-x"));
    String b = PullRobot.pullSecretName(Registries.basic("team-a", "x"));
    assertThat(a).startsWith("portcullis-team-a-x-pull-");
    assertThat(b).startsWith("portcullis-team-a-x-pull-");
    assertThat(a).isNotEqualTo(b);
    assertThat(PullRobot.pullSecretName(Registries.basic("team", "a-x"))).isEqualTo(a);
  }

  /** A real API server refuses a label value over 63 characters, and the whole Secret with it. */
  @Test
  void theRegistryLabelFitsALabelValueForTheLongestNamespaceAndName() {
    String ns = "n".repeat(63);
    String label = PullRobot.registryLabel(Registries.basic(ns, "r".repeat(63)));
    String other = PullRobot.registryLabel(Registries.basic(ns, "r".repeat(62)));
    assertThat(label).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?");
    assertThat(label).isNotEqualTo(other);
    assertThat(PullRobot.registryLabel(Registries.basic("team", "haddock"))).isEqualTo("team.haddock");
    assertThat(PullRobot.pullSecretName(Registries.basic(ns, "r".repeat(200)))).hasSizeLessThanOrEqualTo(253);
  }

  @Test
  void theDockerConfigIsJsonWhateverTheHostsHold() throws Exception {
    var r = Registries.basic("team", "reg");
    // stored before the CRD had a pattern: the JSON must still be JSON
    r.getSpec().host = List.of("registry.example.com", "odd\"host\\,{}");
    var json = new ObjectMapper().readTree(PullRobot.dockerConfigJson(r, "pa\"ss"));
    var auths = json.get("auths");
    assertThat(auths.has("reg.team.svc:5000")).isTrue();
    assertThat(auths.has("odd\"host\\,{}")).isTrue();
    var entry = auths.get("registry.example.com");
    assertThat(entry.get("username").asText()).isEqualTo(PullRobot.USERNAME);
    assertThat(entry.get("password").asText()).isEqualTo("pa\"ss");
    assertThat(new String(java.util.Base64.getDecoder().decode(entry.get("auth").asText()),
        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(PullRobot.USERNAME + ":pa\"ss");
  }
}
