package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.testsupport.Registries;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecCheckTest {

  @Test
  void severalReplicasNeedSharedStorage() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().replicas = 3;
    assertThat(SpecCheck.check(r)).extracting(Problem::message)
        .containsExactly("replicas: 3 needs s3 storage or a ReadWriteMany claim");
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    assertThat(SpecCheck.check(r)).isEmpty();
  }

  @Test
  void exactlyOneStorageKind() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().storage.emptyDir = new StorageSpec.EmptyDir();
    assertThat(SpecCheck.check(r)).extracting(Problem::reason).containsExactly("InvalidStorage");
  }

  @Test
  void htpasswdNeedsUsersOrAnExistingSecret() {
    var r = Registries.htpasswd("apps", "reg", "rackham");
    assertThat(SpecCheck.check(r)).isEmpty();
    r.getSpec().auth.htpasswd.users = null;
    assertThat(SpecCheck.check(r)).extracting(Problem::reason).containsExactly("InvalidAuth");
  }
}
