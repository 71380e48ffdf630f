package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretInputsTest {

  @Test
  void readsPasswordsFromDataOrStringData() {
    var r = Registries.htpasswd("apps", "reg", "rackham", "haddock");
    Map<String, Secret> secrets = Map.of(
        "rackham-password", Registries.password("apps", "rackham", "pw1"),
        "haddock-password", new io.fabric8.kubernetes.api.model.SecretBuilder()
            .withNewMetadata().withName("haddock-password").endMetadata()
            .addToStringData("password", "pw2").build());
    var result = SecretInputs.credentials(r, secrets::get);
    assertThat(result.problems()).isEmpty();
    assertThat(result.credentials()).extracting(Htpasswd.Credential::password)
        .containsExactly("pw1", "pw2");
  }

  @Test
  void missingKeyNamesSecretAndKey() {
    var r = Registries.htpasswd("apps", "reg", "rackham");
    var secrets = Map.of("rackham-password",
        Registries.secret("apps", "rackham-password", Map.of("pass", "x")));
    assertThat(SecretInputs.credentials(r, secrets::get).problems()).extracting(Problem::message)
        .containsExactly("Secret rackham-password has no key password (password of user rackham)");
  }

  @Test
  void missingS3CredentialsAreAStorageProblem() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().storage = new StorageSpec();
    r.getSpec().storage.s3 = new StorageSpec.S3();
    r.getSpec().storage.s3.bucket = "b";
    r.getSpec().storage.s3.region = "r";
    r.getSpec().storage.s3.credentialsSecretRef = new StorageSpec.S3Credentials();
    r.getSpec().storage.s3.credentialsSecretRef.name = "creds";
    assertThat(SecretInputs.referenceProblems(r, n -> null))
        .extracting(p -> p.conditionType() + " " + p.message())
        .containsExactly("StorageReady Secret creds not found (storage.s3.credentialsSecretRef)");
    assertThat(SecretInputs.referencedSecretNames(r)).containsExactly("creds");
  }
}
