package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class NodeTrustModelTest {

  static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  static SecureRegistry registry(TlsSpec.Mode mode) {
    var r = Registries.tls(Registries.basic("team-a", "reg"), mode);
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().host = List.of("registry.example.com");
    return r;
  }

  @Test
  void hostsAreServiceNamesUserHostsAndTheNodePort() {
    var r = registry(TlsSpec.Mode.TLS);
    assertThat(NodeTrustModel.hosts(r)).containsExactly("reg.team-a.svc:5000",
        "reg.team-a.svc.cluster.local:5000", "registry.example.com");
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.type = ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = 30500;
    assertThat(NodeTrustModel.hosts(r)).endsWith("localhost:30500");
    assertThat(CertificateModel.dnsNames(r)).contains("localhost");
  }

  @Test
  @SuppressWarnings("unchecked")
  void registriesYamlHasTheAgentsFieldsAndClientPathsOnlyForMutualTls() {
    var mutual = NodeTrustModel.entry(registry(TlsSpec.Mode.MutualTLS), CA);
    var plain = registry(TlsSpec.Mode.TLS);
    plain.getMetadata().setNamespace("a-first");
    String yaml = NodeTrustModel.registriesYaml(List.of(mutual, NodeTrustModel.entry(plain, CA)));
    Map<String, Object> root = new Yaml().load(yaml);
    var list = (List<Map<String, Object>>) root.get("registries");
    assertThat(list).extracting(m -> m.get("id")).containsExactly("a-first/reg", "team-a/reg");
    assertThat(list.get(0)).doesNotContainKey("clientCertificate");
    assertThat(list.get(1).get("ca")).isEqualTo(CA);
    assertThat(list.get(1).get("clientCertificate"))
        .isEqualTo("/etc/portcullis/node-client/team-a.reg.crt");
    assertThat(list.get(1).get("clientKey")).isEqualTo("/etc/portcullis/node-client/team-a.reg.key");
    assertThat(NodeTrustModel.registriesYaml(List.of())).isEqualTo("registries: []\n");
  }

  @Test
  void daemonSetRunsTheAgentOnEveryNodeWithOnlyCertsDFromTheHost() {
    var ds = NodeTrustModel.daemonSet("portcullis-system", "img:1", Optional.empty());
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
    assertThat(pod.getContainers().get(0).getArgs()).containsSubsequence("node-agent", "--source",
        NodeTrustModel.SOURCE_DIR, "--containerd", "/host/etc/containerd/certs.d");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getHostPath() != null)
        .extracting(v -> v.getHostPath().getPath()).containsExactly("/etc/containerd/certs.d");
    // uid 0 owns the host folder: no capability is needed to write it (docs/security-model.md)
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getRunAsUser()).isZero();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var docker = NodeTrustModel.daemonSet("portcullis-system", "img:1",
        Optional.of("/etc/docker/certs.d"));
    assertThat(docker.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("--docker");
  }

  @Test
  void clientCertificatesOnlyInMutualTlsWithTheNodesOneForNodeTrust() {
    var r = registry(TlsSpec.Mode.MutualTLS);
    var ci = new TlsSpec.ClientCertificate();
    ci.name = "ci";
    r.getSpec().tls.clientCertificates = List.of(ci);
    assertThat(CertificateModel.clientCertificates(r)).extracting(c -> c.name)
        .containsExactly("ci", "probe", "nodes");
    var cert = CertificateModel.clientCertificate(r, ci);
    assertThat(cert.getMetadata().getName()).isEqualTo("reg-client-ci");
    assertThat(cert.getSpec().getSecretName()).isEqualTo("reg-client-ci");
    assertThat(cert.getSpec().getUsages()).contains("client auth");
    assertThat(cert.getSpec().getIssuerRef().getName()).isEqualTo(Names.CA_ISSUER);
    assertThat(CertificateModel.clientCertificates(registry(TlsSpec.Mode.TLS))).isEmpty();
  }
}
