package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD in crds/ is what users apply, and the Java types are its source: the build regenerates
 * it (crd-generator-maven-plugin, process-classes) and this test fails when the committed copy
 * lags behind. Fix: {@code cp operator/target/classes/META-INF/fabric8/*.yml crds/}.
 */
class CrdUpToDateTest {

  static final String FILE = "secureregistries.portcullis.dev-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws Exception {
    String generated = Files.readString(Path.of("target", "classes", "META-INF", "fabric8", FILE));
    String committed = Files.readString(Path.of("..", "crds", FILE));
    assertThat(committed)
        .as("crds/%s is stale: copy target/classes/META-INF/fabric8/%s over it", FILE, FILE)
        .isEqualTo(generated);
  }
}
