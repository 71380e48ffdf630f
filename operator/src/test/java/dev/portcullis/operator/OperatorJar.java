package dev.portcullis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shaded operator jar run as its image runs it: {@code java -jar}, the API server named by a kubeconfig. */
final class OperatorJar {
  private static final Path JAR = Path.of("target", "portcullis-operator.jar");

  private OperatorJar() {}

  /** Writes {@code target/NAME-kubeconfig.yaml}: a token user and {@code server}, namespace default. */
  static Path kubeconfig(String name, String server) throws IOException {
    Path kubeconfig = Path.of("target", name + "-kubeconfig.yaml");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: it, cluster: {server: "%s"}}]
        users: [{name: it, user: {token: it}}]
        contexts: [{name: it, context: {cluster: it, user: it, namespace: default}}]
        current-context: it
        """.formatted(server));
    return kubeconfig;
  }

  /** The jar with {@code args}, and {@code KUBECONFIG} when {@code kubeconfig} is not null. */
  static ProcessBuilder process(Path kubeconfig, String... args) {
    assertThat(JAR).exists();
    var command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    var builder = new ProcessBuilder(command);
    if (kubeconfig != null) {
      builder.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    }
    return builder;
  }
}
