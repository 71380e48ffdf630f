package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, the
 * "latest" version) as Pod Security admission enforces them on a namespace labelled
 * {@code pod-security.kubernetes.io/enforce}: the rules that apply to the pod fields Portcullis
 * uses (host namespaces, privileged, capabilities, hostPath and volume types, host ports,
 * /proc mount, seccomp, allowPrivilegeEscalation, running as non-root). Violations are worded as
 * the admission plugin words them, so the DaemonSet controller's FailedCreate message reads as on
 * a real cluster.
 */
public final class PodSecurityStandards {

  public static final String ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

  public enum Level {
    PRIVILEGED, BASELINE, RESTRICTED;

    /** The level of a namespace's labels; unlabelled namespaces are privileged (the default). */
    public static Level of(Map<String, String> namespaceLabels) {
      String value = namespaceLabels == null ? null : namespaceLabels.get(ENFORCE_LABEL);
      return value == null ? PRIVILEGED : Level.valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Capabilities baseline lets a container add (the standard's list). */
  static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE",
      "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP",
      "SETUID", "SYS_CHROOT");
  /** Volume types restricted allows. */
  static final Set<String> RESTRICTED_VOLUMES = Set.of("configMap", "csi", "downwardAPI",
      "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");

  private PodSecurityStandards() {}

  /**
   * Why Pod Security admission at {@code level} refuses {@code pod}, one entry per failed check
   * (the admission plugin's words); empty when allowed.
   */
  public static List<String> violations(Level level, PodSpec pod) {
    var out = new ArrayList<String>();
    if (level == Level.PRIVILEGED) {
      return out;
    }
    List<Container> containers = Stream.concat(
        pod.getInitContainers() == null ? Stream.empty() : pod.getInitContainers().stream(),
        pod.getContainers().stream()).toList();
    PodSecurityContext psc = pod.getSecurityContext();
    // ---- baseline ----
    var hostNamespaces = new ArrayList<String>();
    if (Boolean.TRUE.equals(pod.getHostNetwork())) {
      hostNamespaces.add("hostNetwork=true");
    }
    if (Boolean.TRUE.equals(pod.getHostPID())) {
      hostNamespaces.add("hostPID=true");
    }
    if (Boolean.TRUE.equals(pod.getHostIPC())) {
      hostNamespaces.add("hostIPC=true");
    }
    if (!hostNamespaces.isEmpty()) {
      out.add("host namespaces (" + String.join(", ", hostNamespaces) + ")");
    }
    var privileged = names(containers.stream().filter(c -> c.getSecurityContext() != null
        && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged())));
    if (!privileged.isEmpty()) {
      out.add("privileged (" + containerWord(privileged) + " must not set "
          + "securityContext.privileged=true)");
    }
    var added = new ArrayList<String>();
    for (Container c : containers) {
      for (String cap : added(c)) {
        if (!BASELINE_CAPABILITIES.contains(cap)) {
          added.add("container \"" + c.getName() + "\" must not include \"" + cap + "\"");
        }
      }
    }
    if (!added.isEmpty()) {
      out.add("non-default capabilities (" + String.join(", ", added)
          + " in securityContext.capabilities.add)");
    }
    var hostPaths = volumes(pod, v -> v.getHostPath() != null);
    if (!hostPaths.isEmpty()) {
      out.add("hostPath volumes (" + volumeWord(hostPaths) + ")");
    }
    var hostPorts = new ArrayList<String>();
    for (Container c : containers) {
      if (c.getPorts() != null) {
        for (ContainerPort p : c.getPorts()) {
          if (p.getHostPort() != null && p.getHostPort() != 0) {
            hostPorts.add(String.valueOf(p.getHostPort()));
          }
        }
      }
    }
    if (!hostPorts.isEmpty()) {
      out.add("hostPort (" + String.join(", ", hostPorts) + ")");
    }
    var procMount = names(containers.stream().filter(c -> c.getSecurityContext() != null
        && c.getSecurityContext().getProcMount() != null
        && !"Default".equals(c.getSecurityContext().getProcMount())));
    if (!procMount.isEmpty()) {
      out.add("procMount (" + containerWord(procMount) + " must not set securityContext.procMount)");
    }
    boolean podUnconfined = psc != null && unconfined(psc.getSeccompProfile());
    var unconfined = names(containers.stream().filter(c -> c.getSecurityContext() != null
        && unconfined(c.getSecurityContext().getSeccompProfile())));
    if (podUnconfined || !unconfined.isEmpty()) {
      out.add("seccompProfile (" + (podUnconfined ? "pod" : containerWord(unconfined))
          + " must not set securityContext.seccompProfile.type to \"Unconfined\")");
    }
    if (level == Level.BASELINE) {
      return out;
    }
    // ---- restricted ----
    var disallowed = volumes(pod, v -> !RESTRICTED_VOLUMES.contains(type(v)));
    if (!disallowed.isEmpty()) {
      out.add("restricted volume types (" + volumeWord(disallowed) + " use"
          + (disallowed.size() == 1 ? "s" : "") + " restricted volume type"
          + (disallowed.size() == 1 ? "" : "s") + " \""
          + String.join("\", \"", disallowed.stream().map(PodSecurityStandards::type).distinct()
              .toList()) + "\")");
    }
    var escalation = names(containers.stream().filter(c -> c.getSecurityContext() == null
        || !Boolean.FALSE.equals(c.getSecurityContext().getAllowPrivilegeEscalation())));
    if (!escalation.isEmpty()) {
      out.add("allowPrivilegeEscalation != false (" + containerWord(escalation)
          + " must set securityContext.allowPrivilegeEscalation=false)");
    }
    boolean podNonRoot = psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot());
    var root = names(containers.stream().filter(c -> {
      SecurityContext sc = c.getSecurityContext();
      Boolean own = sc == null ? null : sc.getRunAsNonRoot();
      return own == null ? !podNonRoot : !own;
    }));
    if (!root.isEmpty()) {
      out.add("runAsNonRoot != true (" + containerWord(root)
          + " must set securityContext.runAsNonRoot=true)");
    }
    boolean podRootUser = psc != null && Long.valueOf(0).equals(psc.getRunAsUser());
    var rootUser = names(containers.stream().filter(c -> c.getSecurityContext() != null
        && Long.valueOf(0).equals(c.getSecurityContext().getRunAsUser())));
    if (podRootUser || !rootUser.isEmpty()) {
      out.add("runAsUser=0 (" + (podRootUser ? "pod" : containerWord(rootUser))
          + " must not set runAsUser=0)");
    }
    boolean podSeccomp = psc != null && confined(psc.getSeccompProfile());
    var noSeccomp = names(containers.stream().filter(c -> {
      SeccompProfile own = c.getSecurityContext() == null ? null
          : c.getSecurityContext().getSeccompProfile();
      return own == null ? !podSeccomp : !confined(own);
    }));
    if (!noSeccomp.isEmpty()) {
      out.add("seccompProfile (pod or " + containerWord(noSeccomp)
          + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
    }
    var notDropped = names(containers.stream().filter(c -> !dropsAll(c)));
    if (!notDropped.isEmpty()) {
      out.add("unrestricted capabilities (" + containerWord(notDropped)
          + " must set securityContext.capabilities.drop=[\"ALL\"])");
    }
    var addedRestricted = new ArrayList<String>();
    for (Container c : containers) {
      for (String cap : added(c)) {
        if (!"NET_BIND_SERVICE".equals(cap)) {
          addedRestricted.add("container \"" + c.getName() + "\" must not include \"" + cap + "\"");
        }
      }
    }
    if (!addedRestricted.isEmpty()) {
      out.add("unrestricted capabilities (" + String.join(", ", addedRestricted)
          + " in securityContext.capabilities.add)");
    }
    return out;
  }

  /** The admission plugin's refusal, as the API server returns it to a pod's creator. */
  public static String refusal(Level level, String podName, List<String> violations) {
    return "pods \"" + podName + "\" is forbidden: violates PodSecurity \"" + level.label()
        + ":latest\": " + String.join(", ", violations);
  }

  private static List<String> added(Container c) {
    Capabilities caps = c.getSecurityContext() == null ? null
        : c.getSecurityContext().getCapabilities();
    return caps == null || caps.getAdd() == null ? List.of() : caps.getAdd();
  }

  private static boolean dropsAll(Container c) {
    Capabilities caps = c.getSecurityContext() == null ? null
        : c.getSecurityContext().getCapabilities();
    return caps != null && caps.getDrop() != null && caps.getDrop().contains("ALL");
  }

  private static boolean unconfined(SeccompProfile p) {
    return p != null && "Unconfined".equals(p.getType());
  }

  private static boolean confined(SeccompProfile p) {
    return p != null && ("RuntimeDefault".equals(p.getType()) || "Localhost".equals(p.getType()));
  }

  private static List<String> names(Stream<Container> containers) {
    return containers.map(Container::getName).toList();
  }

  private static String containerWord(List<String> names) {
    return (names.size() == 1 ? "container " : "containers ") + "\""
        + String.join("\", \"", names) + "\"";
  }

  private static List<Volume> volumes(PodSpec pod, java.util.function.Predicate<Volume> p) {
    return pod.getVolumes() == null ? List.of() : pod.getVolumes().stream().filter(p).toList();
  }

  private static String volumeWord(List<Volume> volumes) {
    return (volumes.size() == 1 ? "volume " : "volumes ") + "\""
        + String.join("\", \"", volumes.stream().map(Volume::getName).toList()) + "\"";
  }

  /** The volume's source field name, as the standard lists them. */
  static String type(Volume v) {
    if (v.getConfigMap() != null) {
      return "configMap";
    }
    if (v.getCsi() != null) {
      return "csi";
    }
    if (v.getDownwardAPI() != null) {
      return "downwardAPI";
    }
    if (v.getEmptyDir() != null) {
      return "emptyDir";
    }
    if (v.getEphemeral() != null) {
      return "ephemeral";
    }
    if (v.getPersistentVolumeClaim() != null) {
      return "persistentVolumeClaim";
    }
    if (v.getProjected() != null) {
      return "projected";
    }
    if (v.getSecret() != null) {
      return "secret";
    }
    if (v.getHostPath() != null) {
      return "hostPath";
    }
    if (v.getNfs() != null) {
      return "nfs";
    }
    return "unknown";
  }
}
