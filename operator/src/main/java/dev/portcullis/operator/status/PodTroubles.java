package dev.portcullis.operator.status;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Why a registry's (or its token issuer's) pods do not run, read from their status the way
 * {@code kubectl describe pod} shows it: a container waiting in CrashLoopBackOff (with its last
 * exit code and termination message), an image that cannot be pulled, a container the kubelet
 * cannot create (a missing Secret key), one killed for memory, a pod no node can take. Without
 * this the status says only "0/1 replicas ready".
 */
public final class PodTroubles {

  /** One pod's trouble: {@code container} is null for the pod as a whole (scheduling). */
  public record Trouble(String pod, String container, String reason, String detail) {
    public String message() {
      return "pod " + pod + (container == null ? "" : " container " + container) + ": " + detail;
    }
  }

  /** Waiting reasons that need a person: the image, the container's config or the runtime. */
  static final Set<String> IMAGE_REASONS = Set.of("ErrImagePull", "ImagePullBackOff",
      "InvalidImageName", "ErrImageNeverPull");
  static final Set<String> CREATE_REASONS = Set.of("CreateContainerConfigError",
      "CreateContainerError", "RunContainerError");
  /** A detail taken from a pod (a log tail, an API message) is cut to this many characters. */
  static final int MAX_DETAIL = 400;

  private PodTroubles() {}

  /** Every troubled pod's first trouble, pods by name; pods being deleted are not looked at. */
  public static List<Trouble> of(List<Pod> pods) {
    var out = new ArrayList<Trouble>();
    pods.stream()
        .filter(p -> p.getMetadata() != null && p.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .forEach(p -> trouble(p).ifPresent(out::add));
    return out;
  }

  /**
   * The first trouble as a condition's reason and message: the pod, the container and why, plus
   * how many other pods are in trouble. Empty when none is.
   */
  public static Optional<Trouble> summary(List<Trouble> troubles) {
    if (troubles.isEmpty()) {
      return Optional.empty();
    }
    Trouble first = troubles.get(0);
    int more = troubles.size() - 1;
    return Optional.of(more == 0 ? first : new Trouble(first.pod(), first.container(),
        first.reason(), first.detail() + " (and " + more + " more " + (more == 1 ? "pod" : "pods")
            + ")"));
  }

  static Optional<Trouble> trouble(Pod p) {
    String pod = p.getMetadata().getName();
    if (p.getStatus() == null) {
      return Optional.empty();
    }
    for (ContainerStatus s : initThenMain(p.getStatus().getInitContainerStatuses(),
        p.getStatus().getContainerStatuses())) {
      var t = container(p, s);
      if (t.isPresent()) {
        return t;
      }
    }
    if (p.getStatus().getConditions() != null) {
      for (PodCondition c : p.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())
            && "Unschedulable".equals(c.getReason())) {
          return Optional.of(new Trouble(pod, null, "Unschedulable",
              "Unschedulable: " + bounded(c.getMessage())));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Trouble> container(Pod p, ContainerStatus s) {
    String pod = p.getMetadata().getName();
    String name = s.getName();
    var state = s.getState();
    var last = s.getLastState() == null ? null : s.getLastState().getTerminated();
    var waiting = state == null ? null : state.getWaiting();
    if (waiting != null && waiting.getReason() != null) {
      String reason = waiting.getReason();
      if ("CrashLoopBackOff".equals(reason)) {
        if (last != null && "OOMKilled".equals(last.getReason())) {
          return Optional.of(oomKilled(p, name, last));
        }
        return Optional.of(new Trouble(pod, name, reason, reason + exited(last)));
      }
      if (IMAGE_REASONS.contains(reason)) {
        String image = s.getImage() != null && !s.getImage().isEmpty() ? s.getImage()
            : spec(p, name).map(Container::getImage).orElse("?");
        return Optional.of(new Trouble(pod, name, reason, reason + ": image " + image
            + (waiting.getMessage() == null ? "" : ": " + bounded(waiting.getMessage()))));
      }
      if (CREATE_REASONS.contains(reason)) {
        return Optional.of(new Trouble(pod, name, reason, reason
            + (waiting.getMessage() == null ? "" : ": " + bounded(waiting.getMessage()))));
      }
    }
    var terminated = state == null ? null : state.getTerminated();
    if (terminated != null && "OOMKilled".equals(terminated.getReason())) {
      return Optional.of(oomKilled(p, name, terminated));
    }
    if (terminated != null && !Integer.valueOf(0).equals(terminated.getExitCode())
        && !Boolean.TRUE.equals(s.getReady())) {
      // between an exit and the back-off that follows: say why now rather than in 10 s
      return Optional.of(new Trouble(pod, name, "ContainerExited",
          "ContainerExited" + exited(terminated)));
    }
    return Optional.empty();
  }

  private static Trouble oomKilled(Pod p, String container, ContainerStateTerminated t) {
    String limit = spec(p, container)
        .map(c -> c.getResources() == null || c.getResources().getLimits() == null ? null
            : c.getResources().getLimits().get("memory"))
        .map(q -> "; its memory limit is " + q + ": raise resources.limits.memory")
        .orElse("; it has no memory limit: the node ran out of memory");
    return new Trouble(p.getMetadata().getName(), container, "OOMKilled",
        "OOMKilled (exit " + t.getExitCode() + ")" + limit);
  }

  /** " (exit N): the last log lines" of a termination, or "" if there was none. */
  private static String exited(ContainerStateTerminated t) {
    if (t == null) {
      return "";
    }
    String why = t.getMessage() != null && !t.getMessage().isBlank() ? tail(t.getMessage())
        : t.getReason();
    return " (exit " + t.getExitCode() + ")" + (why == null ? "" : ": " + why);
  }

  private static Optional<Container> spec(Pod p, String name) {
    if (p.getSpec() == null) {
      return Optional.empty();
    }
    return initThenMain(p.getSpec().getInitContainers(), p.getSpec().getContainers()).stream().filter(c -> name != null && name.equals(c.getName())).findFirst();
  }

  /** Init containers (they run first) then the others; either list may be null. */
  private static <T> List<T> initThenMain(List<T> init, List<T> main) {
    var all = new ArrayList<T>();
    if (init != null) {
      all.addAll(init);
    }
    if (main != null) {
      all.addAll(main);
    }
    return all;
  }

  /** A message on one line, cut at {@value #MAX_DETAIL} characters. */
  static String bounded(String s) {
    if (s == null) {
      return "";
    }
    String line = oneLine(s);
    return line.length() <= MAX_DETAIL ? line : line.substring(0, MAX_DETAIL - 3) + "...";
  }

  /**
   * The end of a termination message on one line: with FallbackToLogsOnError it is the last log
   * lines, and the fatal one is last.
   */
  static String tail(String s) {
    String line = oneLine(s);
    return line.length() <= MAX_DETAIL ? line
        : "..." + line.substring(line.length() - (MAX_DETAIL - 3));
  }

  private static String oneLine(String s) {
    return String.join(" | ", s.strip().lines().map(String::strip)
        .filter(l -> !l.isEmpty()).toList());
  }
}
