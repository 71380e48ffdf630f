package dev.portcullis.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * One request to the API server before the operator starts. Without it an unreachable cluster
 * shows as informers failing one after the other, each with its stack trace, for as long as the
 * client's retries last; with it the operator exits at once with one line that names the server.
 */
final class ApiServerCheck {

  private ApiServerCheck() {}

  /** Empty if {@code GET /version} answers; else one line naming the server and the cause. */
  static Optional<String> problem(Config config) {
    // The operator's own client retries with a backoff (about a minute and a half in all): right
    // for a blip once running, not for telling a user that the address is wrong.
    Config once = new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build();
    try (var client = new KubernetesClientBuilder().withConfig(once).build()) {
      client.getKubernetesVersion();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      String why = e.getCode() > 0
          ? "it answered HTTP " + e.getCode() + (e.getCode() == 401 || e.getCode() == 403
              ? " (the credentials of the kubeconfig or service account were refused)" : "")
          : rootCause(e);
      return Optional.of(("portcullis-operator: cannot use the Kubernetes API server at "
          + config.getMasterUrl() + ": " + why
          + " (set KUBECONFIG, or run in a pod with a service account)").replaceAll("\\s+", " "));
    }
  }

  /**
   * The network's reason, found in the cause chain: the JDK HTTP client wraps both a refused
   * connection and an unresolvable name in a ConnectException without a message, so neither the
   * outermost nor the root cause alone says which.
   */
  private static String rootCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
    }
    Throwable deepest = e;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof ConnectException) {
        return message.isBlank() ? "connection refused" : message;
      }
      if (t instanceof SSLException) {
        return "TLS failed: " + message;
      }
      if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
        return "timed out";
      }
      deepest = t;
    }
    String message = deepest.getMessage();
    return deepest.getClass().getSimpleName()
        + (message == null || message.isBlank() ? "" : ": " + message);
  }
}
