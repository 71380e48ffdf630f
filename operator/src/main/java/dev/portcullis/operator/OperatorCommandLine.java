package dev.portcullis.operator;

import java.io.PrintStream;
import java.util.OptionalInt;

/**
 * The operator's command line: it takes no arguments (a Deployment configures it through the
 * environment), so {@code --help} prints what can be set and anything else is a mistake.
 */
final class OperatorCommandLine {

  static final String USAGE = """
      usage: java -jar portcullis-operator.jar [--help]

      Runs the Portcullis operator against the cluster of $KUBECONFIG (else ~/.kube/config, else the
      in-cluster service account). Configuration is by environment variable:
        PORTCULLIS_WATCH_NAMESPACES  comma-separated namespaces to watch (unset: all)
        PORTCULLIS_NAMESPACE         the operator's own namespace (default portcullis-system)
        PORTCULLIS_NODE_AGENT_NAMESPACE  the node agent's namespace (default portcullis-node-agent)
        PORTCULLIS_REGISTRY_IMAGE    default registry image (default: the one of this operator's version)
        PORTCULLIS_LEADER_ELECTION   true: take the Lease portcullis-operator before reconciling
        PORTCULLIS_HTTP_PORT         port of /livez, /readyz and /metrics (default 8080; -1 disables)
        PORTCULLIS_HEALTH_PROBE      false: do not probe registries' /readyz (operator outside the cluster)
        PORTCULLIS_NODE_AGENT_DOCKER_CERTS_D  also write Docker's certs.d layout into this host folder
      """;

  private OperatorCommandLine() {}

  /** The exit code if the arguments end the program before it starts, else empty (run). */
  static OptionalInt exitBeforeStart(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      return OptionalInt.empty();
    }
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.print(USAGE);
      return OptionalInt.of(0);
    }
    err.println("portcullis-operator: unexpected argument '" + args[0]
        + "': it takes none (configuration is by environment variable, see --help)");
    return OptionalInt.of(2);
  }

  /**
   * The port of the health and metrics endpoints from {@code PORTCULLIS_HTTP_PORT}: unset or blank
   * is 8080, a negative number disables them.
   *
   * @throws IllegalArgumentException naming the variable and what it accepts
   */
  static int httpPort(String text) {
    if (text == null || text.isBlank()) {
      return 8080;
    }
    try {
      int port = Integer.parseInt(text.trim());
      if (port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below, with the value
    }
    throw new IllegalArgumentException(OperatorMain.HTTP_PORT_ENV + "='" + text
        + "' is not a port: give 0-65535, or -1 to disable the health and metrics endpoints");
  }
}
