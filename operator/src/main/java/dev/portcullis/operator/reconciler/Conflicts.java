package dev.portcullis.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;

/**
 * A 409 Conflict on an update: the object changed since the informer saw it (a controller wrote its
 * status, a user edited it). Nothing is wrong and the status should not say otherwise: reconcile
 * again shortly, with the newer object, and log one line. An "already exists" (also 409) is not
 * one: it means a name clash and is reported.
 */
final class Conflicts {
  /** Soon, but after the informer has had time to deliver the newer object. */
  static final Duration REQUEUE = Duration.ofSeconds(2);

  private Conflicts() {}

  static boolean isConflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 409) {
        var status = k.getStatus();
        String reason = status == null ? null : status.getReason();
        String message = status == null || status.getMessage() == null ? "" : status.getMessage();
        return reason != null ? "Conflict".equals(reason) : !message.contains("already exists");
      }
    }
    return false;
  }
}
