package dev.portcullis.operator.status;

import dev.portcullis.operator.model.Names;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The node agent's DaemonSet as the DaemonSet controller reports it. The controller writes no
 * condition when it cannot create a pod (Pod Security admission, a quota, a missing
 * ServiceAccount): it counts the pods ({@code desiredNumberScheduled} against
 * {@code currentNumberScheduled} and {@code numberReady}) and records a {@code FailedCreate}
 * Warning event on the DaemonSet carrying the API server's refusal. Both are read here.
 *
 * @param degraded null while nothing can be said yet (no DaemonSet, status not caught up)
 */
public record NodeAgentState(Boolean degraded, String reason, String message) {

  public static final String FAILED_CREATE = "FailedCreate";

  /** Fewer pods exist than the controller wants: only then is a FailedCreate event current. */
  public static boolean podsMissing(DaemonSet ds) {
    var s = ds.getStatus();
    return s != null && value(s.getCurrentNumberScheduled()) < value(s.getDesiredNumberScheduled());
  }

  /** {@code events}: those of the DaemonSet's namespace (the others are ignored). */
  public static NodeAgentState of(String namespace, DaemonSet ds, List<Event> events) {
    if (ds == null) {
      return new NodeAgentState(null, "NodeAgentNotCreated",
          "the node agent's DaemonSet " + namespace + "/" + Names.NODE_AGENT
              + " is not created yet (created once a registry's CA is issued)");
    }
    String name = namespace + "/" + ds.getMetadata().getName();
    var s = ds.getStatus();
    Long generation = ds.getMetadata().getGeneration();
    if (s == null || (generation != null && !Objects.equals(s.getObservedGeneration(), generation))) {
      return new NodeAgentState(null, "RolloutPending",
          "the DaemonSet controller has not seen DaemonSet " + name + " yet");
    }
    int desired = value(s.getDesiredNumberScheduled());
    int current = value(s.getCurrentNumberScheduled());
    int ready = value(s.getNumberReady());
    String counts = ready + " of " + desired + " node agents ready";
    if (current < desired) {
      String uid = ds.getMetadata().getUid();
      var failed = events.stream()
          .filter(e -> FAILED_CREATE.equals(e.getReason()) && e.getInvolvedObject() != null
              && "DaemonSet".equals(e.getInvolvedObject().getKind())
              && ds.getMetadata().getName().equals(e.getInvolvedObject().getName())
              && (uid == null || e.getInvolvedObject().getUid() == null
                  || uid.equals(e.getInvolvedObject().getUid())))
          .max(Comparator.comparing(NodeAgentState::when));
      if (failed.isPresent()) {
        return new NodeAgentState(true, FAILED_CREATE, "DaemonSet " + name + " cannot create pods ("
            + counts + "): " + failed.get().getMessage());
      }
    }
    if (ready < desired) {
      return new NodeAgentState(true, "NodeAgentsNotReady", counts + " (DaemonSet " + name + ")");
    }
    return new NodeAgentState(false, "NodeAgentsReady", counts + " (DaemonSet " + name + ")");
  }

  private static String when(Event e) {
    // RFC 3339 in UTC: the text sorts as the time does
    String t = e.getLastTimestamp() != null ? e.getLastTimestamp()
        : e.getEventTime() != null ? e.getEventTime().getTime() : e.getFirstTimestamp();
    return t == null ? "" : t;
  }

  private static int value(Integer i) {
    return i == null ? 0 : i;
  }
}
