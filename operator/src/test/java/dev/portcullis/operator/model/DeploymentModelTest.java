package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.StorageSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pod follows the registry image's contract and a restricted security profile. */
class DeploymentModelTest {

  @Test
  void podIsLockedDownAndProbesTheDebugPort() {
    var d = DeploymentModel.desired(Registries.htpasswd("apps", "reg", "rackham"));
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var c = pod.getContainers().get(0);
    assertThat(c.getArgs()).containsExactly("serve", "/etc/portcullis/config/config.yml");
    assertThat(c.getImage()).isEqualTo("ghcr.io/portcullis-dev/portcullis-registry:"
        + RegistryImage.operatorVersion());
    var sc = c.getSecurityContext();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    // a crash leaves its last log lines in the pod's status, which the registry's status quotes
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(c.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("registry:5000", "debug:5001");
    // liveness waits for the startup probe: a slow first start is not a dead registry
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(c.getStartupProbe().getHttpGet().getPort().getStrVal()).isEqualTo("debug");
    assertThat(c.getStartupProbe().getPeriodSeconds() * c.getStartupProbe().getFailureThreshold())
        .isGreaterThanOrEqualTo(120);
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("debug");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
    assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).containsExactly(
        "/etc/portcullis/config", "/etc/portcullis/tls", "/etc/portcullis/auth",
        "/var/lib/registry", "/tmp");
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly(
        "config", "tls", "auth", "data", "tmp");
    assertThat(pod.getVolumes().get(2).getSecret().getSecretName()).isEqualTo("reg-htpasswd");
  }

  @Test
  void readWriteOnceClaimRollsByRecreate() {
    var r = Registries.basic("apps", "reg");
    assertThat(DeploymentModel.desired(r).getSpec().getStrategy().getType()).isEqualTo("Recreate");
    r.getSpec().storage.persistentVolumeClaim.accessModes = List.of("ReadWriteMany");
    assertThat(DeploymentModel.desired(r).getSpec().getStrategy().getType())
        .isEqualTo("RollingUpdate");
    r.getSpec().storage = new StorageSpec();
    r.getSpec().storage.emptyDir = new StorageSpec.EmptyDir();
    assertThat(DeploymentModel.desired(r).getSpec().getStrategy().getType())
        .isEqualTo("RollingUpdate");
  }

  @Test
  void templateCarriesTheConfigHashAndNothingFromSecrets() {
    var r = Registries.htpasswd("apps", "reg", "rackham");
    var annotations = DeploymentModel.desired(r).getSpec().getTemplate().getMetadata()
        .getAnnotations();
    assertThat(annotations).containsOnlyKeys(DeploymentModel.CONFIG_HASH_ANNOTATION);
    assertThat(annotations.get(DeploymentModel.CONFIG_HASH_ANNOTATION))
        .isEqualTo(ConfigMapModel.configHash(r));
  }

  @Test
  void specImageWins() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().image = "registry.example/portcullis:dev";
    assertThat(DeploymentModel.desired(r).getSpec().getTemplate().getSpec().getContainers().get(0)
        .getImage()).isEqualTo("registry.example/portcullis:dev");
  }

  @Test
  void resourcesAreCopiedNotShared() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().resources = new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("100m")).build();
    var requests = DeploymentModel.desired(r).getSpec().getTemplate().getSpec().getContainers()
        .get(0).getResources().getRequests();
    // the dependent aligns quantities in place: the cached primary must not change with them
    assertThat(requests).isNotSameAs(r.getSpec().resources.getRequests()).containsKey("cpu");
  }
}
