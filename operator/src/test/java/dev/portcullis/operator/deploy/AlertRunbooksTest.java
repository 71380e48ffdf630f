package dev.portcullis.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.monitoring.MonitoringBundle;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every alert of deploy/monitoring links a runbook section of docs/operations.md that says what to do. */
class AlertRunbooksTest {

  static final String DOC = "https://github.com/portcullis-dev/portcullis/blob/main/docs/operations.md#";

  @Test
  void everyAlertHasARunbookSection() throws Exception {
    String doc = Files.readString(Kustomize.ROOT.resolve("docs/operations.md"));
    Map<String, Map<String, Object>> alerts = MonitoringBundle.alerts();
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(11);
    for (var e : alerts.entrySet()) {
      @SuppressWarnings("unchecked")
      var annotations = (Map<String, String>) e.getValue().get("annotations");
      @SuppressWarnings("unchecked")
      var labels = (Map<String, String>) e.getValue().get("labels");
      assertThat(labels.get("severity")).as(e.getKey()).isIn("critical", "warning", "info");
      assertThat(annotations.get("summary")).as(e.getKey()).isNotBlank();
      String url = annotations.get("runbook_url");
      assertThat(url).as("runbook_url of %s", e.getKey()).startsWith(DOC);
      String anchor = url.substring(DOC.length());
      // GitHub's anchor of "## Name": lower case, nothing else to strip in alert names
      String heading = "\n## " + e.getKey() + "\n";
      assertThat(e.getKey().toLowerCase(Locale.ROOT)).isEqualTo(anchor);
      assertThat(doc).as("docs/operations.md has a section for %s", e.getKey()).contains(heading);
      int start = doc.indexOf(heading);
      int end = doc.indexOf("\n## ", start + heading.length());
      String section = doc.substring(start, end < 0 ? doc.length() : end);
      for (String part : new String[] {"**Meaning.**", "**Impact.**", "**Diagnosis.**", "**Fix.**"}) {
        assertThat(section).as("%s in the runbook of %s", part, e.getKey()).contains(part);
      }
    }
  }
}
