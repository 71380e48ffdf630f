package dev.portcullis.operator.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/secureregistry.md documents every field of the CRD, so the reference cannot drift. */
class DocsTest {

  /** Kubernetes' own types: documented as a whole, not field by field. */
  static final Set<String> OPAQUE = Set.of("resources", "nodeSelector", "tolerations", "affinity");

  @Test
  void everyCrdFieldIsInTheReference() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "secureregistry.md"));
    var paths = new ArrayList<String>();
    Map<String, Object> schema = CrdValidator.at(SampleValidationTest.crd == null
        ? new org.yaml.snakeyaml.Yaml().load(Files.readString(SampleValidationTest.CRD))
        : SampleValidationTest.crd, "spec");
    @SuppressWarnings("unchecked")
    var version = ((List<Map<String, Object>>) schema.get("versions")).get(0);
    Map<String, Object> root = CrdValidator.at(version, "schema", "openAPIV3Schema", "properties");
    collect(CrdValidator.at(root, "spec"), "", paths);
    collect(CrdValidator.at(root, "status"), "", paths);
    assertThat(paths).contains("tls.issuerRef.name", "storage.s3.bucket");
    for (String p : paths) {
      assertThat(doc).as("docs/secureregistry.md documents `%s`", p).contains("`" + p + "`");
    }
  }

  @SuppressWarnings("unchecked")
  static void collect(Map<String, Object> schema, String prefix, List<String> out) {
    var props = (Map<String, Map<String, Object>>) schema.get("properties");
    if (props == null && schema.get("items") instanceof Map<?, ?> items) {
      props = (Map<String, Map<String, Object>>) ((Map<String, Object>) items).get("properties");
      prefix = prefix.isEmpty() ? prefix : prefix.substring(0, prefix.length() - 1) + "[].";
    }
    if (props == null) {
      return;
    }
    for (var e : props.entrySet()) {
      String path = prefix + e.getKey();
      if (OPAQUE.contains(path) || path.startsWith("conditions")) {
        out.add(path);
        continue;
      }
      boolean leaf = !e.getValue().containsKey("properties")
          && !(e.getValue().get("items") instanceof Map<?, ?> i && i.containsKey("properties"));
      if (leaf) {
        out.add(path);
      } else {
        collect(e.getValue(), path + ".", out);
      }
    }
  }
}
