package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pods that pull with their own ServiceAccount token: the node agent installs the kubelet image
 * credential provider for each registry with {@code nodeTrust.credentialProvider.enabled}. The
 * registry's entry in {@code registries.yaml} names the token audience; the host folders (the
 * kubelet's bin dir and its config file's folder) are the agent's, one pair for the cluster: the
 * first registry (by namespace/name) that asks decides, and one that names others is refused.
 */
public final class CredentialProviderModel {

  /** Where the agent sees the host's bin dir and the config file's folder. */
  static final String MOUNTED_BIN_DIR = "/host/credential-provider/bin";
  static final String MOUNTED_CONFIG_DIR = "/host/credential-provider/config";
  /** Host folders the agent must never be given: the kubelet's credentials and PKI live there. */
  private static final Set<String> REFUSED_CONFIG_DIRS = Set.of("/etc/kubernetes",
      "/var/lib/kubelet", "/etc/kubernetes/pki");

  /** The kubelet's two host paths. */
  public record HostPaths(String binDir, String configPath) {
    String configDir() {
      return Path.of(configPath).getParent().toString();
    }

    String configFileName() {
      return Path.of(configPath).getFileName().toString();
    }
  }

  private CredentialProviderModel() {}

  /** The audience the kubelet requests tokens for, when the registry has the provider on. */
  public static Optional<String> audience(SecureRegistry r) {
    NodeTrustSpec.CredentialProvider p = r.getSpec().effectiveNodeTrust()
        .enabledCredentialProvider();
    if (p == null) {
      return Optional.empty();
    }
    if (p.audience != null) {
      return Optional.of(p.audience);
    }
    return audiences(r).stream().findFirst();
  }

  private static List<String> audiences(SecureRegistry r) {
    AuthSpec.Managed m = r.getSpec().effectiveAuth().managedToken();
    if (m == null || m.kubernetes == null || !Boolean.TRUE.equals(m.kubernetes.enabled)
        || m.kubernetes.audiences == null) {
      return List.of();
    }
    return m.kubernetes.audiences;
  }

  /** Mistakes in the registry's own spec (the CRD's rules refuse most of them first). */
  public static List<Problem> specProblems(SecureRegistry r) {
    var problems = new ArrayList<Problem>();
    NodeTrustSpec.CredentialProvider p = r.getSpec().effectiveNodeTrust()
        .enabledCredentialProvider();
    if (p == null) {
      return problems;
    }
    if (!r.getSpec().effectiveNodeTrust().effectiveEnabled()) {
      problems.add(problem("nodeTrust.credentialProvider needs nodeTrust.enabled: the node agent"
          + " installs it"));
    }
    AuthSpec.Managed m = r.getSpec().effectiveAuth().managedToken();
    if (m == null || m.kubernetes == null || !Boolean.TRUE.equals(m.kubernetes.enabled)) {
      problems.add(problem("nodeTrust.credentialProvider needs auth.mode Token with the managed"
          + " issuer's kubernetes logins (auth.token.managed.kubernetes.enabled): pods log in with"
          + " their ServiceAccount token"));
    } else if (audiences(r).isEmpty()) {
      problems.add(problem("nodeTrust.credentialProvider needs auth.token.managed.kubernetes"
          + ".audiences: a token for the API server's own audience must not open the registry"));
    } else if (p.audience != null && !audiences(r).contains(p.audience)) {
      problems.add(problem("nodeTrust.credentialProvider.audience '" + p.audience + "' is not one"
          + " of auth.token.managed.kubernetes.audiences " + audiences(r)
          + ": the issuer would refuse every pod's token"));
    }
    String dir = Path.of(p.effectiveConfigPath()).getParent().toString();
    if (REFUSED_CONFIG_DIRS.contains(dir) || Path.of(dir).getNameCount() < 2) {
      problems.add(problem("nodeTrust.credentialProvider.configPath: the node agent mounts its"
          + " folder " + dir + ", which holds more than the kubelet's provider config: use a"
          + " folder of its own, e.g. " + NodeTrustSpec.DEFAULT_CONFIG_PATH));
    }
    if (Path.of(p.effectiveBinDir()).getNameCount() < 2) {
      problems.add(problem("nodeTrust.credentialProvider.binDir: " + p.effectiveBinDir() + " is"
          + " too broad a host folder for the node agent: use one of its own, e.g. "
          + NodeTrustSpec.DEFAULT_BIN_DIR));
    }
    return problems;
  }

  /**
   * The cluster's host paths: those of the first registry (by namespace/name) of {@code all} that
   * has the provider on and no problem of its own; empty when none has.
   */
  public static Optional<HostPaths> hostPaths(List<SecureRegistry> all) {
    return all.stream()
        .filter(r -> r.getSpec() != null && audience(r).isPresent() && specProblems(r).isEmpty())
        .min(Comparator.comparing(NodeTrustModel::id))
        .map(CredentialProviderModel::paths);
  }

  private static HostPaths paths(SecureRegistry r) {
    var p = r.getSpec().effectiveNodeTrust().enabledCredentialProvider();
    return new HostPaths(p.effectiveBinDir(), p.effectiveConfigPath());
  }

  /** A registry asking for other host paths than the cluster's (see {@link #hostPaths}). */
  public static List<Problem> conflicts(SecureRegistry r, List<SecureRegistry> all) {
    if (audience(r).isEmpty() || !specProblems(r).isEmpty()) {
      return List.of();
    }
    HostPaths mine = paths(r);
    return hostPaths(all).filter(cluster -> !cluster.equals(mine))
        .map(cluster -> List.of(new Problem(ConditionTypes.AUTH_READY,
            "CredentialProviderPathsConflict", "nodeTrust.credentialProvider: binDir "
                + mine.binDir() + " and configPath " + mine.configPath() + " differ from the"
                + " cluster's (" + cluster.binDir() + ", " + cluster.configPath() + "), set by"
                + " the first registry that asked; the node agent is one DaemonSet: use the same"
                + " values")))
        .orElse(List.of());
  }

  /**
   * The DaemonSet with the two host folders mounted read-write and the agent told to install
   * there. The kubelet's config file is one of several the kubelet reads, so the agent gets only
   * its folder (the file is renamed into place, which needs the folder), never the kubelet's
   * whole configuration folder.
   */
  public static DaemonSet withProvider(DaemonSet ds, HostPaths paths) {
    var pod = ds.getSpec().getTemplate().getSpec();
    var agent = pod.getContainers().get(0);
    var args = new ArrayList<>(agent.getArgs());
    args.addAll(List.of("--credential-provider-bin-dir", MOUNTED_BIN_DIR,
        "--credential-provider-config", MOUNTED_CONFIG_DIR + "/" + paths.configFileName()));
    agent.setArgs(args);
    agent.getVolumeMounts().add(new VolumeMountBuilder().withName("credential-provider-bin")
        .withMountPath(MOUNTED_BIN_DIR).build());
    agent.getVolumeMounts().add(new VolumeMountBuilder().withName("credential-provider-config")
        .withMountPath(MOUNTED_CONFIG_DIR).build());
    pod.getVolumes().add(new VolumeBuilder().withName("credential-provider-bin")
        .withNewHostPath().withPath(paths.binDir()).withType("DirectoryOrCreate").endHostPath()
        .build());
    pod.getVolumes().add(new VolumeBuilder().withName("credential-provider-config")
        .withNewHostPath().withPath(paths.configDir()).withType("DirectoryOrCreate").endHostPath()
        .build());
    return ds;
  }

  private static Problem problem(String message) {
    return new Problem(ConditionTypes.AUTH_READY, "InvalidCredentialProvider", message);
  }
}
