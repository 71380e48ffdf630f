package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.ProxySpec;
import dev.portcullis.operator.api.ProxyUpstreamSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class ProxyModelTest {

  static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  /** docker.io with credentials and ghcr.io with a CA, on a MutualTLS registry with node trust. */
  static SecureRegistry cache(TlsSpec.Mode mode) {
    var r = Registries.tls(Registries.basic("infra", "cache"), mode);
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.type = ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = 30500;
    var hub = Registries.upstream("docker.io", "https://registry-1.docker.io/");
    hub.credentialsSecretRef = new ProxyUpstreamSpec.CredentialsSecretRef();
    hub.credentialsSecretRef.name = "hub";
    hub.ttl = "336h";
    var ghcr = Registries.upstream("ghcr.io", "https://ghcr.io");
    ghcr.tagTTL = "1m";
    ghcr.caSecretRef = new AuthSpec.SecretKeyRef();
    ghcr.caSecretRef.name = "ghcr-ca";
    ghcr.caSecretRef.key = "bundle.pem";
    r.getSpec().proxy = new ProxySpec();
    r.getSpec().proxy.upstreams = List.of(hub, ghcr);
    return r;
  }

  @Test
  @SuppressWarnings("unchecked")
  void configNamesMountedFilesAndNeverAPassword() {
    var r = cache(TlsSpec.Mode.MutualTLS);
    String yaml = RegistryConfig.yaml(r);
    Map<String, Object> root = new Yaml().load(yaml);
    var proxy = (Map<String, Object>) root.get("proxy");
    assertThat(proxy.keySet()).containsExactly("upstreams");
    var upstreams = (List<Map<String, Object>>) proxy.get("upstreams");
    assertThat(upstreams.get(0)).containsExactly(
        Map.entry("name", "docker.io"),
        Map.entry("remoteurl", "https://registry-1.docker.io"),
        Map.entry("usernamefile", "/etc/portcullis/proxy/0/username"),
        Map.entry("passwordfile", "/etc/portcullis/proxy/0/password"),
        Map.entry("ttl", "336h"),
        Map.entry("tagttl", "5m"));
    assertThat(upstreams.get(1)).containsExactly(
        Map.entry("name", "ghcr.io"),
        Map.entry("remoteurl", "https://ghcr.io"),
        Map.entry("ttl", "168h"),
        Map.entry("tagttl", "1m"),
        Map.entry("cafile", "/etc/portcullis/proxy/1/ca.crt"));
    assertThat(yaml).doesNotContain("password:").doesNotContain("username:");
    // auth mode None: there is no scheme to open anonymous pull in
    assertThat(root).doesNotContainKey("auth");
    assertThat(RegistryConfig.yaml(Registries.basic("infra", "plain"))).doesNotContain("proxy");
  }

  @Test
  void eachUpstreamSecretIsMountedReadOnlyByItsPlaceInTheList() {
    var r = cache(TlsSpec.Mode.MutualTLS);
    var pod = DeploymentModel.desired(r).getSpec().getTemplate().getSpec();
    Volume creds = pod.getVolumes().stream().filter(v -> v.getName().equals("proxy-0"))
        .findFirst().orElseThrow();
    var hubSecret = creds.getProjected().getSources().get(0).getSecret();
    assertThat(hubSecret.getName()).isEqualTo("hub");
    assertThat(hubSecret.getItems()).extracting(i -> i.getKey() + "->" + i.getPath())
        .containsExactly("username->username", "password->password");
    var caSecret = pod.getVolumes().stream().filter(v -> v.getName().equals("proxy-1"))
        .findFirst().orElseThrow().getProjected().getSources().get(0).getSecret();
    assertThat(caSecret.getItems()).extracting(i -> i.getKey() + "->" + i.getPath())
        .containsExactly("bundle.pem->ca.crt");
    var mounts = pod.getContainers().get(0).getVolumeMounts();
    assertThat(mounts).filteredOn(m -> m.getName().startsWith("proxy-"))
        .extracting(m -> m.getName() + "@" + m.getMountPath() + ":" + m.getReadOnly())
        .containsExactly("proxy-0@/etc/portcullis/proxy/0:true",
            "proxy-1@/etc/portcullis/proxy/1:true");
    // no password in the environment either
    assertThat(pod.getContainers().get(0).getEnv()).isEmpty();
  }

  @Test
  void theTempVolumeTakesTheCachesSizeLimit() {
    var r = cache(TlsSpec.Mode.TLS);
    assertThat(tmp(r).getEmptyDir().getSizeLimit()).isNull();
    r.getSpec().proxy.tempSizeLimit = "8Gi";
    assertThat(tmp(r).getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("8Gi"));
    assertThat(tmp(Registries.basic("infra", "plain")).getEmptyDir().getSizeLimit()).isNull();
  }

  private static Volume tmp(SecureRegistry r) {
    return DeploymentModel.desired(r).getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow();
  }

  @Test
  @SuppressWarnings("unchecked")
  void anonymousPullOpensTheCachedNamesOnlyAndOnlyWhenAsked() {
    var r = cache(TlsSpec.Mode.TLS);
    r.getSpec().auth = Registries.htpasswd("infra", "cache", "ci").getSpec().auth;
    Map<String, Object> auth = (Map<String, Object>) new Yaml().<Map<String, Object>>load(
        RegistryConfig.yaml(r)).get("auth");
    assertThat(auth).containsOnlyKeys("htpasswd");
    // a Secret with credentials behind a TLS-only registry: nodes would be refused, so they are
    // not pointed at it (they keep pulling from the upstream)
    assertThat(ProxyModel.nodeMirrors(r)).isEmpty();

    r.getSpec().proxy.anonymousPull = true;
    auth = (Map<String, Object>) new Yaml().<Map<String, Object>>load(
        RegistryConfig.yaml(r)).get("auth");
    assertThat(auth.get("anonymous")).isEqualTo(Map.of("pull", true,
        "repositories", List.of("docker.io/**", "ghcr.io/**")));
    assertThat(ProxyModel.nodeMirrors(r)).extracting(ProxyModel.Mirror::name)
        .containsExactly("docker.io", "ghcr.io");
  }

  @Test
  @SuppressWarnings("unchecked")
  void nodeTrustListsTheMirrorsWithTheUpstreamAsFallback() {
    var r = cache(TlsSpec.Mode.MutualTLS);
    var entry = NodeTrustModel.entry(r, CA);
    assertThat(entry.mirrors()).containsExactly(
        new ProxyModel.Mirror("docker.io", "https://registry-1.docker.io"),
        new ProxyModel.Mirror("ghcr.io", "https://ghcr.io"));
    Map<String, Object> root = new Yaml().load(NodeTrustModel.registriesYaml(List.of(entry)));
    var listed = ((List<Map<String, Object>>) root.get("registries")).get(0);
    assertThat(listed.get("mirrors")).isEqualTo(List.of(
        Map.of("name", "docker.io", "server", "https://registry-1.docker.io"),
        Map.of("name", "ghcr.io", "server", "https://ghcr.io")));
    assertThat((List<String>) listed.get("hosts")).contains("localhost:30500");
    // without a proxy the entry is as it was
    var plain = NodeTrustModel.registriesYaml(List.of(
        NodeTrustModel.entry(NodeTrustModelTest.registry(TlsSpec.Mode.TLS), CA)));
    assertThat(plain).doesNotContain("mirrors");
  }

  @Test
  void aMissingSecretOrKeyIsNamedWithTheUpstream() {
    var r = cache(TlsSpec.Mode.MutualTLS);
    assertThat(SecretInputs.referencedSecretNames(r)).contains("hub", "ghcr-ca");
    Map<String, Secret> none = Map.of();
    assertThat(SecretInputs.referenceProblems(r, none::get)).extracting(Problem::message)
        .containsExactly(
            "Secret hub not found (spec.proxy.upstreams[docker.io].credentialsSecretRef)",
            "Secret ghcr-ca not found (spec.proxy.upstreams[ghcr.io].caSecretRef)");
    Map<String, Secret> partial = Map.of(
        "hub", Registries.secret("infra", "hub", Map.of("username", "me")),
        "ghcr-ca", Registries.secret("infra", "ghcr-ca", Map.of("bundle.pem", CA)));
    var problems = SecretInputs.referenceProblems(r, partial::get);
    assertThat(problems).extracting(Problem::conditionType, Problem::reason, Problem::message)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ConditionTypes.AUTH_READY,
            "SecretKeyNotFound",
            "Secret hub has no key password (spec.proxy.upstreams[docker.io].credentialsSecretRef)"));
    Map<String, Secret> complete = Map.of(
        "hub", Registries.secret("infra", "hub", Map.of("username", "me", "password", "pw")),
        "ghcr-ca", Registries.secret("infra", "ghcr-ca", Map.of("bundle.pem", CA)));
    assertThat(SecretInputs.referenceProblems(r, complete::get)).isEmpty();
  }

  @Test
  void whatTheSchemaRefusesTheOperatorRefusesWithAnActionableMessage() {
    var r = cache(TlsSpec.Mode.MutualTLS);
    assertThat(SpecCheck.check(r)).isEmpty();
    var plain = Registries.upstream("quay.io", "http://quay.io");
    plain.ttl = "7d";
    var twice = Registries.upstream("docker.io", "https://mirror.gcr.io/v2");
    r.getSpec().proxy.upstreams = List.of(r.getSpec().proxy.upstreams.get(0), plain, twice);
    r.getSpec().proxy.tempSizeLimit = "lots";
    assertThat(SpecCheck.check(r)).extracting(Problem::conditionType, Problem::reason)
        .containsOnly(org.assertj.core.groups.Tuple.tuple(ConditionTypes.AVAILABLE, "InvalidProxy"));
    assertThat(SpecCheck.check(r)).extracting(Problem::message).containsExactly(
        "spec.proxy.upstreams[quay.io].url 'http://quay.io' must be an https URL without a path,"
            + " such as https://registry-1.docker.io",
        "spec.proxy.upstreams[quay.io].ttl '7d' is not a Go duration (e.g. 168h, 5m)",
        "spec.proxy.upstreams[docker.io] is listed twice",
        "spec.proxy.upstreams[docker.io].url 'https://mirror.gcr.io/v2' must be an https URL"
            + " without a path, such as https://registry-1.docker.io",
        "spec.proxy.tempSizeLimit 'lots' is not a quantity such as 4Gi");
  }
}
