package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.tenancy.TenancySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The operator's command line, run as its own process. */
class OperatorMainTest {

  @Test
  void aMalformedAdminSettingStopsItWithOneLineNamingTheVariable() throws Exception {
    var builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OperatorMain.class.getName());
    builder.environment().put(TenancySettings.PULL_SECRETS_NAMESPACES_ENV, "shop,Kube_System");
    builder.environment().put("KUBECONFIG", "/nonexistent");
    builder.redirectErrorStream(true);
    Process p = builder.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(output.lines().filter(l -> !l.startsWith("SLF4J")).toList()).containsExactly(
        "portcullis-operator: " + TenancySettings.PULL_SECRETS_NAMESPACES_ENV
            + ": 'Kube_System' is not a namespace name or *");
  }
}
