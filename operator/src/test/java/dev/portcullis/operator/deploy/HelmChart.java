package dev.portcullis.operator.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** deploy/helm/portcullis-operator rendered by a real Helm (helm-java: Helm's Go code through JNI), as plain maps. */
final class HelmChart {
  private HelmChart() {}

  static final Path DIR = Kustomize.ROOT.resolve("deploy/helm/portcullis-operator");
  static final String RELEASE = "portcullis";

  /** {@code helm template portcullis deploy/helm/portcullis-operator [-f values]}; templates only, not crds/. */
  static List<Map<String, Object>> template(Path values) {
    var command = new Helm(DIR).template().withName(RELEASE).withNamespace("default");
    if (values != null) {
      command.withValuesFile(values);
    }
    return parse(command.call());
  }

  /** What {@code helm install} applies before the templates: the files of the chart's crds/, verbatim. */
  static List<Map<String, Object>> crds() throws Exception {
    var docs = new ArrayList<Map<String, Object>>();
    try (Stream<Path> files = Files.list(DIR.resolve("crds"))) {
      for (Path f : files.sorted().toList()) {
        docs.addAll(parse(Files.readString(f)));
      }
    }
    return docs;
  }

  static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  /** The documented option sets: ci/*-values.yaml (chart-testing's convention). */
  static List<Path> optionSets() throws Exception {
    try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
      return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> parse(String yaml) {
    var options = new LoaderOptions();
    options.setCodePointLimit(16 * 1024 * 1024);
    var docs = new ArrayList<Map<String, Object>>();
    for (Object doc : new Yaml(options).loadAll(yaml)) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }
}
