package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.GarbageCollectionSpec;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class MutualTlsModelTest {

  @Test
  @SuppressWarnings("unchecked")
  void anExtraClientCaIsMountedAndListedAfterTheOperatorsOwn() {
    var r = Registries.tls(Registries.basic("ns", "reg"), TlsSpec.Mode.MutualTLS);
    r.getSpec().tls.clientCaSecretRef = new AuthSpec.SecretKeyRef();
    r.getSpec().tls.clientCaSecretRef.name = "corp-ca";
    Map<String, Object> root = new Yaml().load(RegistryConfig.yaml(r));
    var tls = (Map<String, Object>) ((Map<String, Object>) root.get("http")).get("tls");
    assertThat((List<String>) tls.get("clientcas")).containsExactly(
        "/etc/portcullis/tls/ca.crt", "/etc/portcullis/client-ca/ca.crt");
    assertThat(DeploymentModel.volumes(r)).anyMatch(v -> v.getSecret() != null
        && "corp-ca".equals(v.getSecret().getSecretName()));
    assertThat(SecretInputs.referenceProblems(r, n -> null)).extracting(Problem::reason)
        .containsExactly("SecretNotFound");
  }

  @Test
  void rulesTheSchemaAlsoHoldsAreConditionsToo() {
    var r = Registries.tls(Registries.basic("ns", "reg"), TlsSpec.Mode.Disabled);
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().tls.clientCaSecretRef = new AuthSpec.SecretKeyRef();
    r.getSpec().tls.clientCaSecretRef.name = "corp-ca";
    r.getSpec().storage = new StorageSpec();
    r.getSpec().storage.emptyDir = new StorageSpec.EmptyDir();
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "@daily";
    assertThat(SpecCheck.check(r)).extracting(Problem::reason).contains("InvalidNodeTrust",
        "InvalidTls", "InvalidGarbageCollection");
  }
}
