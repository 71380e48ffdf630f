package dev.portcullis.operator.deploy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Renders a kustomization with {@code kubectl kustomize} (no cluster needed) into plain maps. */
public final class Kustomize {
  private Kustomize() {}

  public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> render(String dir) throws Exception {
    // stderr apart: kustomize prints deprecation warnings there, and stdout must stay YAML
    Path errors = Files.createTempFile("kustomize", ".err");
    Process process;
    try {
      process = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve(dir).toString())
          .redirectError(errors.toFile()).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("kubectl is needed on the PATH to render " + dir
          + " (kubectl kustomize, no cluster needed; kubectl 1.27 or later)", e);
    }
    var out = new ByteArrayOutputStream();
    process.getInputStream().transferTo(out);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + dir + " failed:\n"
          + Files.readString(errors));
    }
    Files.deleteIfExists(errors);
    var options = new LoaderOptions();
    options.setCodePointLimit(16 * 1024 * 1024);
    var docs = new ArrayList<Map<String, Object>>();
    for (Object doc : new Yaml(options).loadAll(out.toString(StandardCharsets.UTF_8))) {
      if (doc != null) {
        docs.add((Map<String, Object>) doc);
      }
    }
    return docs;
  }

  public static String kind(Map<String, Object> doc) {
    return (String) doc.get("kind");
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> metadata(Map<String, Object> doc) {
    return (Map<String, Object>) doc.get("metadata");
  }

  public static String name(Map<String, Object> doc) {
    return (String) metadata(doc).get("name");
  }

  @SuppressWarnings("unchecked")
  public static Map<String, String> labels(Map<String, Object> doc) {
    var labels = (Map<String, String>) metadata(doc).get("labels");
    return labels == null ? Map.of() : labels;
  }

  static String namespace(Map<String, Object> doc) {
    return (String) metadata(doc).get("namespace");
  }

  public static Map<String, Object> one(List<Map<String, Object>> docs, String kind, String name) {
    return docs.stream().filter(d -> kind.equals(kind(d)) && name.equals(name(d))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
  }

  /** Follows a path of map keys and list indexes. */
  @SuppressWarnings("unchecked")
  static <T> T at(Object node, Object... path) {
    Object current = node;
    for (Object step : path) {
      if (current == null) {
        return null;
      }
      current = step instanceof Integer i ? ((List<Object>) current).get(i)
          : ((Map<String, Object>) current).get(step);
    }
    return (T) current;
  }
}
