package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** spec.nodeTrust.credentialProvider: its checks, its entry in registries.yaml, the DaemonSet. */
class CredentialProviderModelTest {

  static SecureRegistry withProvider(String namespace) {
    var r = NodeTrustModelTest.registry(TlsSpec.Mode.TLS);
    r.getMetadata().setNamespace(namespace);
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.managed = new AuthSpec.Managed();
    r.getSpec().auth.token.managed.kubernetes = new AuthSpec.KubernetesLogin();
    r.getSpec().auth.token.managed.kubernetes.enabled = true;
    r.getSpec().auth.token.managed.kubernetes.audiences = List.of("https://registry.example.com");
    r.getSpec().nodeTrust.credentialProvider = new NodeTrustSpec.CredentialProvider();
    r.getSpec().nodeTrust.credentialProvider.enabled = true;
    return r;
  }

  @Test
  @SuppressWarnings("unchecked")
  void theEntryNamesTheAudienceTheFirstOfTheIssuersByDefault() {
    var r = withProvider("shop");
    assertThat(CredentialProviderModel.specProblems(r)).isEmpty();
    assertThat(CredentialProviderModel.audience(r)).contains("https://registry.example.com");
    String yaml = NodeTrustModel.registriesYaml(List.of(
        NodeTrustModel.entry(r, NodeTrustModelTest.CA, true)));
    Map<String, Object> root = new Yaml().load(yaml);
    var entry = ((List<Map<String, Object>>) root.get("registries")).get(0);
    assertThat(entry.get("credentialProvider"))
        .isEqualTo(Map.of("audience", "https://registry.example.com"));
    String without = NodeTrustModel.registriesYaml(List.of(
        NodeTrustModel.entry(r, NodeTrustModelTest.CA, false)));
    assertThat(without).doesNotContain("credentialProvider");
  }

  @Test
  void contradictionsAreProblemsAPersonCanActOn() {
    var noNodeTrust = withProvider("shop");
    noNodeTrust.getSpec().nodeTrust.enabled = false;
    assertThat(messages(noNodeTrust)).containsExactly(
        "nodeTrust.credentialProvider needs nodeTrust.enabled: the node agent installs it");

    var htpasswd = withProvider("shop");
    htpasswd.getSpec().auth.mode = AuthSpec.Mode.Htpasswd;
    assertThat(messages(htpasswd)).singleElement().asString()
        .startsWith("nodeTrust.credentialProvider needs auth.mode Token with the managed issuer's");

    var noAudiences = withProvider("shop");
    noAudiences.getSpec().auth.token.managed.kubernetes.audiences = null;
    assertThat(messages(noAudiences)).singleElement().asString()
        .contains("needs auth.token.managed.kubernetes.audiences");

    var otherAudience = withProvider("shop");
    otherAudience.getSpec().nodeTrust.credentialProvider.audience = "https://elsewhere";
    assertThat(messages(otherAudience)).singleElement().asString()
        .contains("'https://elsewhere' is not one of auth.token.managed.kubernetes.audiences");

    var kubeletFolder = withProvider("shop");
    kubeletFolder.getSpec().nodeTrust.credentialProvider.configPath = "/etc/kubernetes/creds.yaml";
    assertThat(messages(kubeletFolder)).singleElement().asString()
        .contains("mounts its folder /etc/kubernetes");
    assertThat(CredentialProviderModel.specProblems(kubeletFolder).get(0).reason())
        .isEqualTo("InvalidCredentialProvider");
  }

  @Test
  void theFirstRegistryDecidesTheHostPathsAndAnotherThatDiffersIsRefused() {
    var first = withProvider("a-first");
    var second = withProvider("b-second");
    second.getSpec().nodeTrust.credentialProvider.binDir = "/opt/kubelet/bin";
    var all = List.of(second, first);
    assertThat(CredentialProviderModel.hostPaths(all)).contains(new CredentialProviderModel
        .HostPaths(NodeTrustSpec.DEFAULT_BIN_DIR, NodeTrustSpec.DEFAULT_CONFIG_PATH));
    assertThat(CredentialProviderModel.conflicts(first, all)).isEmpty();
    assertThat(CredentialProviderModel.conflicts(second, all)).singleElement()
        .satisfies(p -> {
          assertThat(p.reason()).isEqualTo("CredentialProviderPathsConflict");
          assertThat(p.message()).contains("/opt/kubelet/bin").contains(NodeTrustSpec.DEFAULT_BIN_DIR);
        });
    assertThat(CredentialProviderModel.hostPaths(List.of(NodeTrustModelTest.registry(
        TlsSpec.Mode.TLS)))).isEmpty();
  }

  @Test
  void theAgentGetsTheTwoHostFoldersAndKeepsItsTightSecurityContext() {
    var plain = NodeTrustModel.daemonSet("portcullis-node-agent", "img:1", Optional.empty());
    var ds = CredentialProviderModel.withProvider(
        NodeTrustModel.daemonSet("portcullis-node-agent", "img:1", Optional.empty()),
        new CredentialProviderModel.HostPaths("/usr/local/lib/portcullis/credential-provider",
            "/etc/kubernetes/image-credential-provider/config.yaml"));
    Container agent = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(agent.getArgs()).containsSubsequence("--credential-provider-bin-dir",
        "/host/credential-provider/bin", "--credential-provider-config",
        "/host/credential-provider/config/config.yaml");
    assertThat(agent.getSecurityContext()).isEqualTo(plain.getSpec().getTemplate().getSpec()
        .getContainers().get(0).getSecurityContext());
    assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    List<Volume> volumes = ds.getSpec().getTemplate().getSpec().getVolumes();
    assertThat(volumes).filteredOn(v -> v.getHostPath() != null)
        .extracting(v -> v.getHostPath().getPath())
        .containsExactlyInAnyOrder("/etc/containerd/certs.d",
            "/usr/local/lib/portcullis/credential-provider",
            "/etc/kubernetes/image-credential-provider");
    assertThat(agent.getVolumeMounts()).extracting(m -> m.getMountPath())
        .contains("/host/credential-provider/bin", "/host/credential-provider/config");
  }

  private static List<String> messages(SecureRegistry r) {
    return CredentialProviderModel.specProblems(r).stream().map(Problem::message).toList();
  }
}
