package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The Secret holding the htpasswd file: bcrypt hashes only, never a plaintext password. */
public final class HtpasswdSecretModel {
  private HtpasswdSecretModel() {}

  /** The htpasswd file, reusing the hashes of {@code existing} for unchanged passwords. */
  public static String file(List<Htpasswd.Credential> credentials, Secret existing) {
    return Htpasswd.build(credentials, SecretInputs.htpasswdFileOf(existing));
  }

  public static Secret desired(SecureRegistry r, String file) {
    return new SecretBuilder()
        .withMetadata(Meta.of(r, Names.htpasswdSecret(r)))
        .withType("Opaque")
        .withData(Map.of(RegistryConfig.HTPASSWD_KEY,
            Base64.getEncoder().encodeToString(file.getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  /** Which Secret the pod mounts at /etc/portcullis/auth: ours, or the user's own htpasswd file. */
  public static String mountedSecretName(SecureRegistry r) {
    var h = r.getSpec().effectiveAuth().htpasswd;
    return h != null && h.existingSecretRef != null ? h.existingSecretRef.name : Names.htpasswdSecret(r);
  }
}
