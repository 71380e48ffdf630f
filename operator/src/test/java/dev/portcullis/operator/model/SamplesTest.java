package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every sample parses into the API types and passes the operator's own spec checks. */
class SamplesTest {

  @Test
  void samplesAreValidSpecs() throws Exception {
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("..", "samples"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(7);
    for (Path f : files) {
      for (String doc : Files.readString(f).split("(?m)^---$")) {
        if (!doc.contains("kind: SecureRegistry")) {
          continue;
        }
        SecureRegistry r = serialization.unmarshal(doc, SecureRegistry.class);
        r.getMetadata().setNamespace("samples");
        assertThat(SpecCheck.check(r)).as(f.toString()).isEmpty();
        RegistryConfig.yaml(r);
        DeploymentModel.desired(r);
      }
    }
  }
}
