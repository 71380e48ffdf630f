package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Where image data lives: exactly one of the four (enforced by a CEL rule on the field). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {

  public PersistentVolumeClaim persistentVolumeClaim;

  @JsonPropertyDescription("Pod-local storage: images are lost when the pod goes. For trials.")
  public EmptyDir emptyDir;

  public S3 s3;

  public AzureStorageSpec azure;

  public enum Kind {
    PersistentVolumeClaim,
    EmptyDir,
    S3,
    Azure
  }

  public Kind kind() {
    if (azure != null) {
      return Kind.Azure;
    }
    if (s3 != null) {
      return Kind.S3;
    }
    if (emptyDir != null) {
      return Kind.EmptyDir;
    }
    return Kind.PersistentVolumeClaim;
  }

  /** A claim the operator creates and, by default, keeps when the registry is deleted. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PersistentVolumeClaim {
    @Default("10Gi")
    public String size;

    public String storageClassName;

    @JsonPropertyDescription("Default [ReadWriteOnce]; ReadWriteMany allows several replicas.")
    // Bounded for the CEL rule that looks for ReadWriteMany in it: four access modes exist, the longest has 16 letters.
    @Size(max = 4)
    public List<@Size(max = 16) String> accessModes;

    @JsonPropertyDescription(
        "Keep the claim (and the images) when the SecureRegistry is deleted. Default true.")
    @Default("true")
    public Boolean retainOnDelete;

    public String effectiveSize() {
      return size == null ? "10Gi" : size;
    }

    public List<String> effectiveAccessModes() {
      return accessModes == null || accessModes.isEmpty() ? List.of("ReadWriteOnce") : accessModes;
    }

    public boolean effectiveRetainOnDelete() {
      return retainOnDelete == null || retainOnDelete;
    }
  }

  /** An emptyDir volume, optionally size-limited. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class EmptyDir {
    public String sizeLimit;
  }

  /** An S3 (or S3-compatible) bucket; the registry talks to it, the operator never does. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class S3 {
    @Required public String bucket;

    @Required public String region;

    @JsonPropertyDescription("Endpoint of an S3-compatible service such as MinIO.")
    public String endpoint;

    public Boolean forcePathStyle;

    @JsonPropertyDescription("Prefix inside the bucket.")
    public String rootDirectory;

    @JsonPropertyDescription(
        "Answer blob downloads with a redirect to a pre-signed URL of the bucket, so the bytes go"
            + " from the bucket to the client (Distribution's storage.redirect). Set false when"
            + " clients cannot reach the endpoint, such as an in-cluster MinIO that nodes do not"
            + " resolve.")
    @Default("true")
    public Boolean redirect;

    @JsonPropertyDescription(
        "Secret with the access key id and secret access key; without it the registry uses the"
            + " pod's ambient credentials (IRSA, instance profile).")
    public S3Credentials credentialsSecretRef;
  }

  /** Names a Secret and the keys holding the S3 credentials. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class S3Credentials {
    @Required public String name;

    @Default("accessKey")
    public String accessKeyKey;

    @Default("secretKey")
    public String secretKeyKey;

    public String effectiveAccessKeyKey() {
      return accessKeyKey == null ? "accessKey" : accessKeyKey;
    }

    public String effectiveSecretKeyKey() {
      return secretKeyKey == null ? "secretKey" : secretKeyKey;
    }
  }
}
