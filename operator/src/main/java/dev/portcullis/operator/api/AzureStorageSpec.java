package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * An Azure Blob Storage container (the registry's {@code storage.azure}); the registry talks to it,
 * the operator never does.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.serviceUrl) || !self.serviceUrl.contains('?')",
    message = "azure.serviceUrl takes no query: a SAS token in it would be a credential in the"
        + " ConfigMap; give accountKeySecretRef, or none for the pod's Azure identity")
public class AzureStorageSpec {
  @JsonPropertyDescription("Storage account name.")
  @Required
  @Pattern("^[a-z0-9]{3,24}$")
  public String accountName;

  @JsonPropertyDescription(
      "Blob container holding the images; it must exist (the registry never creates it).")
  @Required
  @Pattern("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
  public String container;

  @JsonPropertyDescription(
      "Blob service URL; default https://<accountName>.blob.core.windows.net. Set it for"
          + " sovereign clouds, private endpoints or Azurite.")
  @Pattern("^https?://[^\\s]+$")
  @Size(max = 2048)
  public String serviceUrl;

  @JsonPropertyDescription("Prefix inside the container.")
  public String rootDirectory;

  @JsonPropertyDescription(
      "Answer blob downloads with a redirect to a read-only SAS URL of the blob, so the bytes go"
          + " from the storage account to the client (Distribution's storage.redirect). Set false"
          + " when clients cannot reach the storage account, such as a private endpoint.")
  @Default("true")
  public Boolean redirect;

  @JsonPropertyDescription(
      "Secret key holding the storage account key; the pod gets it as an env var from the"
          + " Secret, never through the ConfigMap. Without it the registry uses azure-identity's"
          + " default chain, which in a pod the operator makes is the node's managed identity.")
  public AccountKeySecretRef accountKeySecretRef;

  /** Names a Secret and the key holding the account key. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AccountKeySecretRef {
    @Required public String name;

    @JsonPropertyDescription("Key holding the account key (default accountKey).")
    @Default("accountKey")
    public String key;

    public String effectiveKey() {
      return key == null ? "accountKey" : key;
    }
  }
}
