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
    assertThat(run(TenancySettings.PULL_SECRETS_NAMESPACES_ENV, "shop,Kube_System")).containsExactly(
        "portcullis-operator: " + TenancySettings.PULL_SECRETS_NAMESPACES_ENV
            + ": 'Kube_System' is not a namespace name or *");
  }

  @Test
  void aPortThatIsNotANumberStopsItWithOneLine() throws Exception {
    assertThat(run(OperatorMain.HTTP_PORT_ENV, "80a")).containsExactly(
        "portcullis-operator: PORTCULLIS_HTTP_PORT='80a' is not a port: give 0-65535, or -1 to"
            + " disable the health and metrics endpoints");
  }

  /** Runs the operator's main with one variable set and no cluster; the lines it printed, exit 2. */
  private static java.util.List<String> run(String variable, String value) throws Exception {
    var builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OperatorMain.class.getName());
    builder.environment().put(variable, value);
    builder.environment().put("KUBECONFIG", "/nonexistent");
    builder.redirectErrorStream(true);
    Process p = builder.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(2);
    return output.lines().filter(l -> !l.startsWith("SLF4J")).toList();
  }
}
