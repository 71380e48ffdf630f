package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Node trust: one node agent per cluster (a DaemonSet of the registry image in {@code node-agent}
 * mode, in the operator's namespace) reads {@code registries.yaml} from a ConfigMap listing every
 * registry with {@code nodeTrust.enabled}, and the nodes' client keys from a Secret mounted beside
 * it. A deleted registry leaves the list, and the agent removes the entries it wrote for it.
 */
public final class NodeTrustModel {

  public static final String SOURCE_DIR = "/etc/portcullis/node-trust";
  public static final String CLIENT_DIR = "/etc/portcullis/node-client";
  public static final String REGISTRIES_KEY = "registries.yaml";
  public static final String HOST_CERTS_D = "/etc/containerd/certs.d";
  static final String MOUNTED_CERTS_D = "/host/etc/containerd/certs.d";

  private NodeTrustModel() {}

  /**
   * One registry as the node agent sees it; client paths only in MutualTLS mode; the upstreams
   * nodes pull through it ({@link ProxyModel#nodeMirrors}); the token audience of its kubelet
   * credential provider, or null when it has none ({@link CredentialProviderModel}).
   */
  public record Entry(String id, List<String> hosts, String caPem, String clientKeyPrefix,
      List<ProxyModel.Mirror> mirrors, String credentialProviderAudience) {}

  /** The fixed NodePort of a registry, if its Service has one. */
  public static OptionalInt nodePort(SecureRegistry r) {
    ServiceSpec s = r.getSpec().effectiveService();
    if (!(r.getSpec().effectiveNodeTrust().effectiveEnabled() || r.getSpec().pullSecrets != null)
        || s.effectiveType() == ServiceSpec.Type.ClusterIP || s.nodePort == null) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(s.nodePort);
  }

  /**
   * Every name a node may pull by: the Service's DNS names with its port (only useful where nodes
   * resolve cluster DNS), the user's hosts as given (reached through an ingress or load balancer on
   * 443), and {@code localhost:<nodePort>} for a NodePort Service.
   */
  public static List<String> hosts(SecureRegistry r) {
    String svc = Names.service(r);
    String ns = r.getMetadata().getNamespace();
    int port = r.getSpec().effectiveService().effectivePort();
    var hosts = new ArrayList<String>();
    hosts.add(svc + "." + ns + ".svc:" + port);
    hosts.add(svc + "." + ns + ".svc.cluster.local:" + port);
    for (String h : r.getSpec().effectiveHosts()) {
      if (!hosts.contains(h)) {
        hosts.add(h);
      }
    }
    nodePort(r).ifPresent(p -> hosts.add("localhost:" + p));
    return hosts;
  }

  /** The agent's id of a registry: namespace/name. */
  public static String id(SecureRegistry r) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  /** Prefix of the registry's keys in the client Secret: {@code <namespace>.<name>}. */
  public static String clientKeyPrefix(SecureRegistry r) {
    return r.getMetadata().getNamespace() + "." + r.getMetadata().getName();
  }

  /** The entry of a registry whose CA is {@code caPem}, without a credential provider. */
  public static Entry entry(SecureRegistry r, String caPem) {
    return entry(r, caPem, false);
  }

  /**
   * The entry of a registry whose CA is {@code caPem}; with its credential provider when
   * {@code provider} (the caller has checked it against the cluster's).
   */
  public static Entry entry(SecureRegistry r, String caPem, boolean provider) {
    boolean mutual = r.getSpec().effectiveTls().effectiveMode() == TlsSpec.Mode.MutualTLS;
    return new Entry(id(r), hosts(r), caPem, mutual ? clientKeyPrefix(r) : null,
        ProxyModel.nodeMirrors(r),
        provider ? CredentialProviderModel.audience(r).orElse(null) : null);
  }

  /** {@code registries.yaml}, sorted by id so that the ConfigMap only changes when the list does. */
  public static String registriesYaml(List<Entry> entries) {
    var list = new ArrayList<Map<String, Object>>();
    entries.stream().sorted(Comparator.comparing(Entry::id)).forEach(e -> {
      var m = new LinkedHashMap<String, Object>();
      m.put("id", e.id());
      m.put("hosts", e.hosts());
      m.put("ca", e.caPem());
      if (e.clientKeyPrefix() != null) {
        m.put("clientCertificate", CLIENT_DIR + "/" + e.clientKeyPrefix() + ".crt");
        m.put("clientKey", CLIENT_DIR + "/" + e.clientKeyPrefix() + ".key");
      }
      m.put("capabilities", List.of("pull", "resolve"));
      if (!e.mirrors().isEmpty()) {
        m.put("mirrors", e.mirrors().stream().map(mirror -> {
          var mm = new LinkedHashMap<String, Object>();
          mm.put("name", mirror.name());
          mm.put("server", mirror.server());
          return mm;
        }).toList());
      }
      if (e.credentialProviderAudience() != null) {
        m.put("credentialProvider", Map.of("audience", e.credentialProviderAudience()));
      }
      list.add(m);
    });
    var options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setDefaultScalarStyle(DumperOptions.ScalarStyle.PLAIN);
    options.setIndent(2);
    return new Yaml(options).dump(Map.of("registries", list));
  }

  public static ConfigMap configMap(String namespace, List<Entry> entries) {
    return new ConfigMapBuilder()
        .withNewMetadata().withName(Names.NODE_TRUST_CONFIGMAP).withNamespace(namespace)
          .withLabels(Names.nodeTrustLabels()).endMetadata()
        .withData(Map.of(REGISTRIES_KEY, registriesYaml(entries)))
        .build();
  }

  /** The nodes' client certificates and keys, PEM, keyed {@code <prefix>.crt} and {@code <prefix>.key}. */
  public static Secret clientSecret(String namespace, Map<String, String> pemByKey) {
    var data = new java.util.TreeMap<String, String>();
    pemByKey.forEach((k, v) -> data.put(k,
        Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata().withName(Names.NODE_TRUST_SECRET).withNamespace(namespace)
          .withLabels(Names.nodeTrustLabels()).endMetadata()
        .withType("Opaque")
        .withData(data)
        .build();
  }

  /**
   * The agent: every node (all taints tolerated), the host's {@code /etc/containerd/certs.d}
   * mounted read-write and nothing else of the host. It runs as uid 0 because the host folder is
   * root's (0755): the owner may write it without any capability, so every capability is dropped
   * (no DAC_OVERRIDE, CHOWN or FOWNER: the agent only writes and chmods files it created). The
   * hostPath is what keeps it out of the baseline and restricted Pod Security levels: it runs in a
   * namespace of its own labelled privileged (docs/security-model.md).
   */
  public static DaemonSet daemonSet(String namespace, String image, Optional<String> dockerCertsD) {
    var labels = Names.nodeTrustLabels();
    var args = new ArrayList<>(List.of("node-agent", "--source", SOURCE_DIR,
        "--containerd", MOUNTED_CERTS_D, "--interval", "10s"));
    dockerCertsD.ifPresent(d -> args.addAll(List.of("--docker", "/host/docker-certs.d")));
    var builder = new DaemonSetBuilder()
        .withNewMetadata().withName(Names.NODE_AGENT).withNamespace(namespace).withLabels(labels)
        .endMetadata()
        .withNewSpec()
          .withNewSelector().withMatchLabels(labels).endSelector()
          .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
          .withNewTemplate()
            .withNewMetadata().withLabels(labels).endMetadata()
            .withNewSpec()
              .withPriorityClassName("system-node-critical")
              .addNewToleration().withOperator("Exists").endToleration()
              .withAutomountServiceAccountToken(false)
              .withNewSecurityContext().withNewSeccompProfile().withType("RuntimeDefault")
                .endSeccompProfile().endSecurityContext()
              .addNewContainer()
                .withName("node-agent")
                .withImage(image)
                .withArgs(args)
                .withNewSecurityContext().withRunAsUser(0L).withRunAsNonRoot(false)
                  .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                  .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .withNewResources()
                  .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("10m"))
                  .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("64Mi"))
                  .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("128Mi"))
                .endResources()
                .addNewVolumeMount().withName("source").withMountPath(SOURCE_DIR).withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount().withName("clients").withMountPath(CLIENT_DIR).withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount().withName("certs-d").withMountPath(MOUNTED_CERTS_D)
                .endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
              .endContainer()
              .addNewVolume().withName("source").withNewConfigMap()
                .withName(Names.NODE_TRUST_CONFIGMAP).endConfigMap().endVolume()
              .addNewVolume().withName("clients").withNewSecret()
                .withSecretName(Names.NODE_TRUST_SECRET).withDefaultMode(0400).withOptional(true)
                .endSecret().endVolume()
              .addNewVolume().withName("certs-d").withNewHostPath().withPath(HOST_CERTS_D)
                .withType("DirectoryOrCreate").endHostPath().endVolume()
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
            .endSpec()
          .endTemplate()
        .endSpec();
    var ds = builder.build();
    dockerCertsD.ifPresent(d -> {
      var pod = ds.getSpec().getTemplate().getSpec();
      pod.getContainers().get(0).getVolumeMounts().add(
          new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("docker-certs-d")
              .withMountPath("/host/docker-certs.d").build());
      pod.getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder()
          .withName("docker-certs-d").withNewHostPath().withPath(d).withType("DirectoryOrCreate")
          .endHostPath().build());
    });
    return ds;
  }
}
