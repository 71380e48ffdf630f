package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared folder of Secret files: projections as added, mode 0440, read-only, nothing when empty. */
class SecretFileVolumeTest {

  @Test
  void keysAddedTogetherShareAProjectionAndEachCallIsOneOfItsOwn() {
    var folder = new SecretFileVolume("creds", "/etc/creds")
        .secret(new SecretFile("hub", "user", "username", "credentialsSecretRef"),
            new SecretFile("hub", "token", "password", "credentialsSecretRef"))
        .configMap("corp-ca", "root.pem", "ca.crt")
        .secret(new SecretFile("hub", "extra", "extra", "extraSecretRef"));
    var volume = folder.volume().orElseThrow();
    assertThat(volume.getName()).isEqualTo("creds");
    assertThat(volume.getProjected().getDefaultMode()).isEqualTo(0440);
    assertThat(volume.getProjected().getSources()).extracting(s -> s.getSecret() != null
            ? "secret " + s.getSecret().getName() + " " + s.getSecret().getItems().stream()
                .map(i -> i.getKey() + "->" + i.getPath()).toList()
            : "configmap " + s.getConfigMap().getName() + " " + s.getConfigMap().getItems().stream()
                .map(i -> i.getKey() + "->" + i.getPath()).toList())
        .containsExactly("secret hub [user->username, token->password]",
            "configmap corp-ca [root.pem->ca.crt]", "secret hub [extra->extra]");
    var mount = folder.mount().orElseThrow();
    assertThat(mount.getName() + "@" + mount.getMountPath() + ":" + mount.getReadOnly())
        .isEqualTo("creds@/etc/creds:true");
    // the ConfigMap's CA is a file of the folder, not a Secret value
    assertThat(folder.files()).extracting(SecretFile::path)
        .containsExactly("username", "password", "extra");
    assertThat(SecretFileVolume.secretNames(List.of(folder))).containsExactly("hub");
    // but read at start all the same: a new CA must roll the pod too
    assertThat(SecretFileVolume.fingerprintKeys(List.of(folder))).containsExactly(
        new MountedSecretsFingerprint.Key("hub", "user"),
        new MountedSecretsFingerprint.Key("hub", "token"),
        MountedSecretsFingerprint.Key.configMap("corp-ca", "root.pem"),
        new MountedSecretsFingerprint.Key("hub", "extra"));
  }

  @Test
  void anEmptyFolderHasNoVolumeAndNoMount() {
    var empty = new SecretFileVolume("none", "/etc/none");
    var full = new SecretFileVolume("ca", "/etc/ca")
        .secret(new SecretFile("ca", "ca.crt", "ca.crt", "caSecretRef"));
    assertThat(empty.volume()).isEmpty();
    assertThat(empty.mount()).isEmpty();
    assertThat(SecretFileVolume.volumes(List.of(empty, full))).extracting(v -> v.getName())
        .containsExactly("ca");
    assertThat(SecretFileVolume.mounts(List.of(empty, full))).extracting(m -> m.getName())
        .containsExactly("ca");
  }

  @Test
  void oneProjectionCannotReadTwoSecrets() {
    assertThatThrownBy(() -> new SecretFileVolume("x", "/x").secret(
        new SecretFile("a", "k", "a", "f"), new SecretFile("b", "k", "b", "f")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
