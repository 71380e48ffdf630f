package dev.portcullis.operator.testsupport.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.operator.model.DeploymentModel;
import dev.portcullis.operator.testsupport.Registries;
import dev.portcullis.operator.testsupport.cri.v1.KeyValue;
import dev.portcullis.operator.testsupport.cri.v1.NamespaceMode;
import dev.portcullis.operator.testsupport.cri.v1.SecurityProfile;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the CRI-mode kubelet asks containerd for, from the operator's own pod template. */
class CriPodConfigTest {

  @Test
  void registryPodIsSentAsTheKubeletSendsIt() {
    var r = Registries.htpasswd("apps", "reg", "rackham");
    r.getSpec().resources = new ResourceRequirementsBuilder()
        .addToLimits("memory", new Quantity("256Mi")).addToLimits("cpu", new Quantity("500m"))
        .build();
    var pod = DeploymentModel.desired(r).getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);

    var sandbox = CriPodConfig.sandbox("reg-abc-1", "apps", "uid-1", Map.of("app", "reg"), pod,
        Path.of("/tmp/pods/reg-abc-1"), "10.231.89.1");
    assertThat(sandbox.getMetadata().getNamespace()).isEqualTo("apps");
    assertThat(sandbox.getDnsConfig().getSearchesList())
        .containsExactly("apps.svc.cluster.local", "svc.cluster.local", "cluster.local");
    assertThat(sandbox.getDnsConfig().getOptionsList()).containsExactly("ndots:5");
    var podSc = sandbox.getLinux().getSecurityContext();
    assertThat(podSc.getRunAsUser().getValue()).isEqualTo(65532L);
    assertThat(podSc.getSupplementalGroupsList()).containsExactly(65532L); // fsGroup
    assertThat(podSc.getSeccomp().getProfileType())
        .isEqualTo(SecurityProfile.ProfileType.RuntimeDefault);
    assertThat(podSc.getPrivileged()).isFalse();

    var config = CriPodConfig.container(c, pod, 0, Map.of("A", "1"),
        List.of(new CriPodConfig.HostMount("/etc/portcullis/config", Path.of("/h/config"), true)),
        "container.log");
    // args only: the runtime keeps the image's ENTRYPOINT and replaces its CMD
    assertThat(config.getCommandList()).isEmpty();
    assertThat(config.getArgsList()).containsExactly("serve", "/etc/portcullis/config/config.yml");
    assertThat(config.getImage().getImage()).isEqualTo(c.getImage());
    assertThat(config.getEnvsList()).extracting(KeyValue::getKey).containsExactly("A");
    assertThat(config.getMounts(0).getReadonly()).isTrue();
    var limits = config.getLinux().getResources();
    assertThat(limits.getMemoryLimitInBytes()).isEqualTo(256L * 1024 * 1024);
    assertThat(limits.getCpuQuota()).isEqualTo(50_000);
    assertThat(limits.getCpuPeriod()).isEqualTo(100_000);
    var sc = config.getLinux().getSecurityContext();
    assertThat(sc.getRunAsUser().getValue()).isEqualTo(65532L);
    assertThat(sc.getRunAsGroup().getValue()).isEqualTo(65532L);
    assertThat(sc.getReadonlyRootfs()).isTrue();
    assertThat(sc.getNoNewPrivs()).isTrue();
    assertThat(sc.getCapabilities().getDropCapabilitiesList()).containsExactly("ALL");
    assertThat(sc.getSeccomp().getProfileType())
        .isEqualTo(SecurityProfile.ProfileType.RuntimeDefault);
    assertThat(sc.getNamespaceOptions().getNetwork()).isEqualTo(NamespaceMode.POD);
    assertThat(sc.getNamespaceOptions().getPid()).isEqualTo(NamespaceMode.CONTAINER);
  }

  @Test
  void commandReplacesTheEntrypointAndNoProfileIsUnconfined() {
    var c = new ContainerBuilder().withName("x").withImage("img").withCommand("/bin/sh")
        .withArgs("-c", "true").build();
    var config = CriPodConfig.container(c, new PodSpecBuilder().withContainers(c).build(), 2,
        Map.of(), List.of(), "x.log");
    assertThat(config.getCommandList()).containsExactly("/bin/sh");
    assertThat(config.getArgsList()).containsExactly("-c", "true");
    assertThat(config.getMetadata().getAttempt()).isEqualTo(2);
    assertThat(config.getLinux().getSecurityContext().getSeccomp().getProfileType())
        .isEqualTo(SecurityProfile.ProfileType.Unconfined);
    assertThat(config.getLinux().getResources().getMemoryLimitInBytes()).isZero();
  }

  @Test
  void rootUnderRunAsNonRootIsRefusedAsTheKubeletDoes() {
    var c = new ContainerBuilder().withName("agent").withImage("img").withNewSecurityContext()
        .withRunAsUser(0L).withRunAsNonRoot(true).endSecurityContext().build();
    var pod = new PodSpecBuilder().withContainers(c).build();
    assertThatThrownBy(() -> CriPodConfig.container(c, pod, 0, Map.of(), List.of(), "x.log"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runAsUser breaks non-root policy").hasMessageContaining("agent");
  }
}
