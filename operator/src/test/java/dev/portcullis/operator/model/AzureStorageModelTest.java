package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AzureStorageSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** spec.storage.azure: the registry's storage.azure section, the key from a Secret, never in the ConfigMap. */
class AzureStorageModelTest {

  private static SecureRegistry onAzure(boolean withKey) {
    var r = Registries.basic("apps", "reg");
    r.getSpec().storage = new StorageSpec();
    var azure = new AzureStorageSpec();
    azure.accountName = "portcullisimages";
    azure.container = "registry";
    azure.serviceUrl = "https://portcullisimages.privatelink.blob.core.windows.net";
    azure.rootDirectory = "/prod";
    if (withKey) {
      azure.accountKeySecretRef = new AzureStorageSpec.AccountKeySecretRef();
      azure.accountKeySecretRef.name = "azure-storage";
    }
    r.getSpec().storage.azure = azure;
    return r;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> storage(SecureRegistry r) {
    Map<String, Object> config = new Yaml().load(RegistryConfig.yaml(r));
    return (Map<String, Object>) config.get("storage");
  }

  @Test
  void theSectionHasDistributionKeysAndNeverTheKey() {
    var r = onAzure(true);
    assertThat(storage(r).get("azure")).isEqualTo(Map.of("accountname", "portcullisimages",
        "container", "registry", "serviceurl",
        "https://portcullisimages.privatelink.blob.core.windows.net", "rootdirectory", "/prod"));
    assertThat(storage(r)).doesNotContainKeys("filesystem", "redirect");
    assertThat(RegistryConfig.yaml(r)).doesNotContain("azure-storage").doesNotContain("accountkey");
    EnvVar key = DeploymentModel.env(r).stream()
        .filter(e -> e.getName().equals("REGISTRY_STORAGE_AZURE_ACCOUNTKEY")).findFirst().orElseThrow();
    assertThat(key.getValue()).isNull();
    assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("azure-storage");
    assertThat(key.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("accountKey");
  }

  @Test
  void withoutASecretThePodsAzureIdentityIsUsed() {
    var r = onAzure(false);
    @SuppressWarnings("unchecked")
    var azure = (Map<String, Object>) storage(r).get("azure");
    assertThat(azure.get("credentials")).isEqualTo(Map.of("type", "default_credentials"));
    assertThat(DeploymentModel.env(r)).extracting(EnvVar::getName)
        .doesNotContain("REGISTRY_STORAGE_AZURE_ACCOUNTKEY");
  }

  @Test
  void noDataVolumeAndSeveralReplicasAreFine() {
    var r = onAzure(true);
    r.getSpec().replicas = 3;
    assertThat(SpecCheck.check(r)).isEmpty();
    assertThat(DeploymentModel.volumes(r)).extracting(Volume::getName).doesNotContain("data");
    assertThat(DeploymentModel.mounts(r)).extracting(VolumeMount::getName).doesNotContain("data");
  }

  @Test
  void redirectsUnlessTurnedOff() {
    var r = onAzure(true);
    r.getSpec().storage.azure.redirect = false;
    assertThat(storage(r).get("redirect")).isEqualTo(Map.of("disable", true));
  }

  @Test
  void aMissingSecretOrKeyIsNamedInStorageReady() {
    var r = onAzure(true);
    assertThat(SecretInputs.referencedSecretNames(r)).containsExactly("azure-storage");
    assertThat(SecretInputs.referenceProblems(r, n -> null))
        .extracting(p -> p.conditionType() + " " + p.reason() + " " + p.message())
        .containsExactly("StorageReady SecretNotFound Secret azure-storage not found"
            + " (storage.azure.accountKeySecretRef)");
    var wrongKey = Registries.secret("apps", "azure-storage", Map.of("key", "x"));
    assertThat(SecretInputs.referenceProblems(r, n -> wrongKey))
        .extracting(p -> p.conditionType() + " " + p.reason() + " " + p.message())
        .containsExactly("StorageReady SecretKeyNotFound Secret azure-storage has no key accountKey"
            + " (storage.azure.accountKeySecretRef)");
    var right = Registries.secret("apps", "azure-storage", Map.of("accountKey", "a2V5"));
    assertThat(SecretInputs.referenceProblems(r, n -> right)).isEmpty();
  }
}
