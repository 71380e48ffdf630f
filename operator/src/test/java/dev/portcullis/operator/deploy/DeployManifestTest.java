package dev.portcullis.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.model.RegistryImage;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** What `kubectl apply -k deploy/` installs, and the images it and the operator name. */
class DeployManifestTest {

  static final String VERSION = System.getProperty("portcullis.version", "0.1.0-SNAPSHOT");
  static List<Map<String, Object>> docs;

  @BeforeAll
  static void render() throws Exception {
    docs = Kustomize.render("deploy");
  }

  @Test
  void installsTheGeneratedCrdUnchanged() throws Exception {
    Map<String, Object> committed = new Yaml().load(Files.readString(
        Kustomize.ROOT.resolve("crds/secureregistries.portcullis.dev-v1.yml")));
    var rendered = Kustomize.one(docs, "CustomResourceDefinition",
        "secureregistries.portcullis.dev");
    // kustomize writes 1.0 as 1: compare numbers by value
    assertThat(numbersByValue(Kustomize.at(rendered, "spec"))
        .equals(numbersByValue(Kustomize.at(committed, "spec"))))
        .as("deploy/ installs crds/secureregistries.portcullis.dev-v1.yml as it is").isTrue();
  }

  static Object numbersByValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      var out = new java.util.TreeMap<String, Object>();
      m.forEach((k, x) -> out.put((String) k, numbersByValue(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(DeployManifestTest::numbersByValue).toList();
    }
    if (v instanceof Number n) {
      return new java.math.BigDecimal(n.toString()).stripTrailingZeros();
    }
    return v;
  }

  /**
   * A real API server drops zero values it receives (printer columns' {@code priority: 0}) and
   * fills in defaults ({@code fieldRef.apiVersion: v1}); both sit in atomic lists or maps
   * ({@code spec.versions}, {@code fieldRef}), so moving from client-side to server-side apply
   * conflicts and GitOps tools show a difference forever unless the manifests say what the server
   * keeps.
   */
  @Test
  void manifestsSayWhatTheServerStores() {
    var crd = Kustomize.one(docs, "CustomResourceDefinition", "secureregistries.portcullis.dev");
    List<Map<String, Object>> versions = Kustomize.at(crd, "spec", "versions");
    for (var v : versions) {
      List<Map<String, Object>> columns = Kustomize.at(v, "additionalPrinterColumns");
      assertThat(columns).isNotEmpty().allSatisfy(c -> assertThat(c.get("priority"))
          .as("priority of column %s", c.get("name")).isNotEqualTo(0));
    }
    var fieldRefs = new java.util.ArrayList<Map<String, Object>>();
    docs.forEach(d -> collect(d, "fieldRef", fieldRefs));
    assertThat(fieldRefs).isNotEmpty()
        .allSatisfy(ref -> assertThat(ref).containsEntry("apiVersion", "v1"));
  }

  @SuppressWarnings("unchecked")
  static void collect(Object node, String key, List<Map<String, Object>> out) {
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if (key.equals(k) && v instanceof Map<?, ?> found) {
          out.add((Map<String, Object>) found);
        }
        collect(v, key, out);
      });
    } else if (node instanceof List<?> l) {
      l.forEach(x -> collect(x, key, out));
    }
  }

  @Test
  void installsNamespaceAccountAndOperator() {
    Kustomize.one(docs, "Namespace", "portcullis-system");
    assertThat(Kustomize.namespace(Kustomize.one(docs, "ServiceAccount", "portcullis-operator")))
        .isEqualTo("portcullis-system");
    var d = Kustomize.one(docs, "Deployment", "portcullis-operator");
    assertThat(Kustomize.namespace(d)).isEqualTo("portcullis-system");
    assertThat(Kustomize.<String>at(d, "spec", "template", "spec", "serviceAccountName"))
        .isEqualTo("portcullis-operator");
  }

  @Test
  void operatorRunsTheImageOfThisVersion() {
    var c = container();
    assertThat(c.get("image"))
        .isEqualTo("ghcr.io/portcullis-dev/portcullis-operator:" + VERSION);
    assertThat(RegistryImage.REPOSITORY).isEqualTo("ghcr.io/portcullis-dev/portcullis-registry");
  }

  @Test
  void operatorPodIsHardened() {
    var d = Kustomize.one(docs, "Deployment", "portcullis-operator");
    Map<String, Object> pod = Kustomize.at(d, "spec", "template", "spec", "securityContext");
    assertThat(pod).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 65532);
    assertThat(Kustomize.<String>at(pod, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
    var c = container();
    Map<String, Object> sc = Kustomize.at(c, "securityContext");
    assertThat(sc).containsEntry("allowPrivilegeEscalation", false)
        .containsEntry("readOnlyRootFilesystem", true);
    assertThat(Kustomize.<List<String>>at(sc, "capabilities", "drop")).containsExactly("ALL");
    assertThat(Kustomize.<Map<String, Object>>at(c, "resources", "requests"))
        .containsKeys("cpu", "memory");
    assertThat(Kustomize.<Map<String, Object>>at(c, "resources", "limits"))
        .containsKeys("cpu", "memory");
    assertThat(Kustomize.<String>at(c, "livenessProbe", "httpGet", "path")).isEqualTo("/livez");
    assertThat(Kustomize.<String>at(c, "readinessProbe", "httpGet", "path")).isEqualTo("/readyz");
    List<Map<String, Object>> env = Kustomize.at(c, "env");
    assertThat(env).anyMatch(e -> "PORTCULLIS_HTTP_PORT".equals(e.get("name"))
        && "8080".equals(e.get("value")));
  }

  @Test
  void registryImageTakesTheFourCommandsAsArguments() throws Exception {
    String dockerfile = Files.readString(Kustomize.ROOT.resolve("registry-image/Dockerfile"));
    assertThat(dockerfile).contains("USER 65532:65532")
        .containsPattern("ENTRYPOINT \\[\"java\",[^\\]]*\"-jar\", \"/app/portcullis-registry.jar\"\\]")
        .doesNotContain("CMD");
    String operator = Files.readString(Kustomize.ROOT.resolve("operator/Dockerfile"));
    assertThat(operator).contains("USER 65532:65532")
        .containsPattern("ENTRYPOINT \\[\"java\",[^\\]]*\"-jar\", \"/app/portcullis-operator.jar\"\\]");
  }

  private static Map<String, Object> container() {
    return Kustomize.at(Kustomize.one(docs, "Deployment", "portcullis-operator"),
        "spec", "template", "spec", "containers", 0);
  }
}
