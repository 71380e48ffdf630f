package dev.portcullis.operator.model;

import dev.portcullis.operator.api.AzureStorageSpec;
import dev.portcullis.operator.api.ConditionTypes;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code spec.storage.azure} as the registry's {@code storage.azure} section. The account key never
 * goes in there: it reaches the pod as {@link DeploymentModel#AZURE_ACCOUNT_KEY_ENV} from the
 * Secret; without a Secret the registry authenticates with azure-identity's default chain (in
 * these pods, the node's managed identity).
 */
public final class AzureStorageModel {
  private AzureStorageModel() {}

  static Map<String, Object> configSection(AzureStorageSpec azure) {
    var out = new LinkedHashMap<String, Object>();
    out.put("accountname", azure.accountName);
    out.put("container", azure.container);
    if (azure.serviceUrl != null) {
      out.put("serviceurl", azure.serviceUrl);
    }
    if (azure.rootDirectory != null) {
      out.put("rootdirectory", azure.rootDirectory);
    }
    if (azure.accountKeySecretRef == null) {
      out.put("credentials", Map.of("type", "default_credentials"));
    }
    return out;
  }

  /** The Secret the account key comes from, named in StorageReady when it or its key is missing. */
  static List<Problem> secretProblems(SecureRegistry r, Function<String, Secret> lookup) {
    AzureStorageSpec azure = r.getSpec().effectiveStorage().azure;
    if (azure == null || azure.accountKeySecretRef == null) {
      return List.of();
    }
    var ref = azure.accountKeySecretRef;
    Secret s = lookup.apply(ref.name);
    if (s == null) {
      return List.of(new Problem(ConditionTypes.STORAGE_READY, "SecretNotFound",
          "Secret " + ref.name + " not found (storage.azure.accountKeySecretRef)"));
    }
    if (SecretInputs.value(s, ref.effectiveKey()) == null) {
      return List.of(new Problem(ConditionTypes.STORAGE_READY, "SecretKeyNotFound",
          "Secret " + ref.name + " has no key " + ref.effectiveKey()
              + " (storage.azure.accountKeySecretRef)"));
    }
    return List.of();
  }
}
