package dev.portcullis.operator.testsupport.kubelet;

import dev.portcullis.operator.testsupport.cri.v1.Capability;
import dev.portcullis.operator.testsupport.cri.v1.ContainerConfig;
import dev.portcullis.operator.testsupport.cri.v1.ContainerMetadata;
import dev.portcullis.operator.testsupport.cri.v1.DNSConfig;
import dev.portcullis.operator.testsupport.cri.v1.ImageSpec;
import dev.portcullis.operator.testsupport.cri.v1.Int64Value;
import dev.portcullis.operator.testsupport.cri.v1.KeyValue;
import dev.portcullis.operator.testsupport.cri.v1.LinuxContainerConfig;
import dev.portcullis.operator.testsupport.cri.v1.LinuxContainerResources;
import dev.portcullis.operator.testsupport.cri.v1.LinuxContainerSecurityContext;
import dev.portcullis.operator.testsupport.cri.v1.LinuxPodSandboxConfig;
import dev.portcullis.operator.testsupport.cri.v1.LinuxSandboxSecurityContext;
import dev.portcullis.operator.testsupport.cri.v1.Mount;
import dev.portcullis.operator.testsupport.cri.v1.NamespaceMode;
import dev.portcullis.operator.testsupport.cri.v1.NamespaceOption;
import dev.portcullis.operator.testsupport.cri.v1.PodSandboxConfig;
import dev.portcullis.operator.testsupport.cri.v1.PodSandboxMetadata;
import dev.portcullis.operator.testsupport.cri.v1.SecurityProfile;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the kubelet sends the CRI for a pod and its container (pkg/kubelet/kuberuntime's
 * translation of a PodSpec), as pure functions: the sandbox's metadata, hostname, DNS
 * (resolv.conf), log folder and pod-level security; the container's image, command and args
 * (passed through unchanged: the runtime applies the Kubernetes rule that command replaces the
 * image's ENTRYPOINT and args its CMD), environment, mounts, memory and CPU limits, and its
 * security context merged over the pod's (runAsUser/Group, fsGroup and supplementalGroups as
 * groups, readOnlyRootFilesystem, capabilities, seccomp, allowPrivilegeEscalation as
 * no_new_privs, privileged).
 */
final class CriPodConfig {

  /** The cluster's DNS search path, as a kubelet with clusterDomain cluster.local writes it. */
  static final String CLUSTER_DOMAIN = "cluster.local";

  private CriPodConfig() {}

  /** A mount on the container: host folder {@code hostPath} at {@code containerPath}. */
  record HostMount(String containerPath, Path hostPath, boolean readOnly) {}

  static PodSandboxConfig sandbox(String name, String namespace, String uid, Map<String, String>
      labels, PodSpec spec, Path logDirectory, String nameserver) {
    PodSecurityContext pod = spec.getSecurityContext();
    var sc = LinuxSandboxSecurityContext.newBuilder()
        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD)
            .setPid(NamespaceMode.CONTAINER).setIpc(NamespaceMode.POD))
        .setPrivileged(spec.getContainers().stream().anyMatch(c -> c.getSecurityContext() != null
            && Boolean.TRUE.equals(c.getSecurityContext().getPrivileged())));
    if (pod != null) {
      if (pod.getRunAsUser() != null) {
        sc.setRunAsUser(Int64Value.newBuilder().setValue(pod.getRunAsUser()));
      }
      if (pod.getRunAsGroup() != null) {
        sc.setRunAsGroup(Int64Value.newBuilder().setValue(pod.getRunAsGroup()));
      }
      sc.addAllSupplementalGroups(groups(pod));
      if (pod.getSeccompProfile() != null) {
        sc.setSeccomp(profile(pod.getSeccompProfile()));
      }
    }
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace(namespace)
            .setUid(uid))
        .setHostname(name.length() > 63 ? name.substring(0, 63) : name)
        .setLogDirectory(logDirectory.toString())
        // dnsPolicy ClusterFirst: the cluster's DNS service and search path, ndots:5
        .setDnsConfig(DNSConfig.newBuilder().addServers(nameserver)
            .addSearches(namespace + ".svc." + CLUSTER_DOMAIN)
            .addSearches("svc." + CLUSTER_DOMAIN).addSearches(CLUSTER_DOMAIN)
            .addOptions("ndots:5"))
        .putAllLabels(labels)
        .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(sc))
        .build();
  }

  /**
   * The container's config. Throws {@link IllegalArgumentException} with the kubelet's message
   * where the kubelet refuses the container (CreateContainerConfigError).
   */
  static ContainerConfig container(Container c, PodSpec spec, int attempt,
      Map<String, String> env, List<HostMount> mounts, String logPath) {
    var linux = LinuxContainerConfig.newBuilder()
        .setResources(resources(c))
        .setSecurityContext(security(c, spec));
    var config = ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(c.getName()).setAttempt(attempt))
        .setImage(ImageSpec.newBuilder().setImage(c.getImage()))
        .addAllCommand(c.getCommand() == null ? List.of() : c.getCommand())
        .addAllArgs(c.getArgs() == null ? List.of() : c.getArgs())
        .setLogPath(logPath)
        .setLinux(linux);
    if (c.getWorkingDir() != null) {
      config.setWorkingDir(c.getWorkingDir());
    }
    env.forEach((k, v) -> config.addEnvs(KeyValue.newBuilder().setKey(k).setValue(v)));
    for (HostMount m : mounts) {
      config.addMounts(Mount.newBuilder().setContainerPath(m.containerPath())
          .setHostPath(m.hostPath().toString()).setReadonly(m.readOnly()));
    }
    return config.build();
  }

  static LinuxContainerResources resources(Container c) {
    var r = LinuxContainerResources.newBuilder();
    var limits = c.getResources() == null ? null : c.getResources().getLimits();
    if (limits != null && limits.get("memory") != null) {
      r.setMemoryLimitInBytes(Quantity.getAmountInBytes(limits.get("memory")).longValue());
    }
    if (limits != null && limits.get("cpu") != null) {
      // the kubelet's CFS quota: 100 ms periods, the limit's share of each
      long millis = Quantity.getAmountInBytes(limits.get("cpu"))
          .multiply(java.math.BigDecimal.valueOf(1000)).longValue();
      r.setCpuPeriod(100_000).setCpuQuota(Math.max(1000, millis * 100));
    }
    return r.build();
  }

  static LinuxContainerSecurityContext security(Container c, PodSpec spec) {
    PodSecurityContext pod = spec.getSecurityContext();
    SecurityContext own = c.getSecurityContext();
    Long uid = own != null && own.getRunAsUser() != null ? own.getRunAsUser()
        : pod == null ? null : pod.getRunAsUser();
    Long gid = own != null && own.getRunAsGroup() != null ? own.getRunAsGroup()
        : pod == null ? null : pod.getRunAsGroup();
    Boolean nonRoot = own != null && own.getRunAsNonRoot() != null ? own.getRunAsNonRoot()
        : pod == null ? null : pod.getRunAsNonRoot();
    if (Boolean.TRUE.equals(nonRoot) && uid != null && uid == 0) {
      throw new IllegalArgumentException("container's runAsUser breaks non-root policy"
          + " (container: " + c.getName() + ")");
    }
    var sc = LinuxContainerSecurityContext.newBuilder()
        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.POD)
            .setPid(NamespaceMode.CONTAINER).setIpc(NamespaceMode.POD));
    if (uid != null) {
      sc.setRunAsUser(Int64Value.newBuilder().setValue(uid));
    }
    if (gid != null) {
      sc.setRunAsGroup(Int64Value.newBuilder().setValue(gid));
    }
    if (pod != null) {
      sc.addAllSupplementalGroups(groups(pod));
    }
    SeccompProfile seccomp = own != null && own.getSeccompProfile() != null
        ? own.getSeccompProfile() : pod == null ? null : pod.getSeccompProfile();
    if (seccomp != null) {
      sc.setSeccomp(profile(seccomp));
    } else {
      // no profile asked for: the kubelet's default is Unconfined
      sc.setSeccomp(SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.Unconfined));
    }
    if (own != null) {
      sc.setReadonlyRootfs(Boolean.TRUE.equals(own.getReadOnlyRootFilesystem()));
      sc.setPrivileged(Boolean.TRUE.equals(own.getPrivileged()));
      sc.setNoNewPrivs(Boolean.FALSE.equals(own.getAllowPrivilegeEscalation()));
      if (own.getCapabilities() != null) {
        var caps = Capability.newBuilder();
        // the API names capabilities without CAP_; the CRI takes them as the API spells them
        if (own.getCapabilities().getAdd() != null) {
          caps.addAllAddCapabilities(own.getCapabilities().getAdd());
        }
        if (own.getCapabilities().getDrop() != null) {
          caps.addAllDropCapabilities(own.getCapabilities().getDrop());
        }
        sc.setCapabilities(caps);
      }
    }
    return sc.build();
  }

  private static List<Long> groups(PodSecurityContext pod) {
    var groups = new ArrayList<Long>();
    if (pod.getFsGroup() != null) {
      groups.add(pod.getFsGroup());
    }
    if (pod.getSupplementalGroups() != null) {
      groups.addAll(pod.getSupplementalGroups());
    }
    return groups;
  }

  static SecurityProfile profile(SeccompProfile p) {
    return switch (p.getType()) {
      case "RuntimeDefault" -> SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.RuntimeDefault).build();
      case "Localhost" -> SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.Localhost)
          .setLocalhostRef(p.getLocalhostProfile()).build();
      default -> SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.Unconfined).build();
    };
  }
}
