package dev.portcullis.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.model.RegistryImage;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/own-registry/, the install from images built and pushed by the user (README, "Install
 * without published images"): the same objects as deploy/, the operator's image and the registry
 * image it defaults to both taken from the user's registry, at this version.
 */
class OwnRegistryOverlayTest {
  static final String OWN = "registry.example.com:5000/portcullis/";

  @Test
  void rendersDeployWithBothImagesFromTheUsersRegistry() throws Exception {
    var own = Kustomize.render("deploy/own-registry");
    var upstream = Kustomize.render("deploy");
    assertThat(names(own)).isEqualTo(names(upstream));

    Map<String, Object> container = Kustomize.at(
        Kustomize.one(own, "Deployment", "portcullis-operator"),
        "spec", "template", "spec", "containers", 0);
    assertThat(container.get("image"))
        .isEqualTo(OWN + "portcullis-operator:" + DeployManifestTest.VERSION);
    List<Map<String, Object>> env = Kustomize.at(container, "env");
    assertThat(env).filteredOn(e -> RegistryImage.ENV_OVERRIDE.equals(e.get("name")))
        .singleElement().satisfies(e -> assertThat(e.get("value"))
            .isEqualTo(OWN + "portcullis-registry:" + DeployManifestTest.VERSION));
    // the overlay adds one variable and changes nothing else of the operator's environment
    Map<String, Object> upstreamContainer = Kustomize.at(
        Kustomize.one(upstream, "Deployment", "portcullis-operator"),
        "spec", "template", "spec", "containers", 0);
    assertThat(env).hasSize(Kustomize.<List<?>>at(upstreamContainer, "env").size() + 1)
        .containsAll(Kustomize.at(upstreamContainer, "env"));
  }

  @Test
  void theReadmeShowsTheOverlaysLinesExactly() throws Exception {
    String overlay = Files.readAllLines(
            Kustomize.ROOT.resolve("deploy/own-registry/kustomization.yaml")).stream()
        .filter(line -> !line.startsWith("#") && !line.isBlank())
        .collect(Collectors.joining("\n"));
    assertThat(Files.readString(Kustomize.ROOT.resolve("README.md"))).contains(overlay);
  }

  private static List<String> names(List<Map<String, Object>> docs) {
    return docs.stream().map(d -> Kustomize.kind(d) + "/" + Kustomize.name(d)).sorted().toList();
  }
}
