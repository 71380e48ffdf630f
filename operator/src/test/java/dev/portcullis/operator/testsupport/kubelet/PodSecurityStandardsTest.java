package dev.portcullis.operator.testsupport.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.deploy.Kustomize;
import dev.portcullis.operator.model.NodeTrustModel;
import dev.portcullis.operator.reconciler.NodeTrustPublisher;
import dev.portcullis.operator.testsupport.kubelet.PodSecurityStandards.Level;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Pod Security Standards as Pod Security admission applies them (issue 18 item 2): what a
 * real API server refuses at each level, and the node agent's place in the project's own install.
 */
class PodSecurityStandardsTest {

  static List<Map<String, Object>> deploy;

  @BeforeAll
  static void render() throws Exception {
    deploy = Kustomize.render("deploy");
  }

  /** A pod that meets restricted: non-root, no escalation, every capability dropped, seccomp. */
  static PodSpecBuilder restrictedPod() {
    return new PodSpecBuilder()
        .withNewSecurityContext().withRunAsNonRoot(true).withNewSeccompProfile()
          .withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer().withName("app").withImage("img")
          .withNewSecurityContext().withAllowPrivilegeEscalation(false)
            .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endContainer()
        .addNewVolume().withName("conf").withNewConfigMap().withName("c").endConfigMap().endVolume()
        .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("d")
          .endPersistentVolumeClaim().endVolume();
  }

  @Test
  void privilegedAllowsEverything() {
    PodSpec pod = new PodSpecBuilder().withHostNetwork(true)
        .addNewContainer().withName("x").withNewSecurityContext().withPrivileged(true)
          .endSecurityContext().endContainer()
        .addNewVolume().withName("h").withNewHostPath().withPath("/").endHostPath().endVolume()
        .build();
    assertThat(PodSecurityStandards.violations(Level.PRIVILEGED, pod)).isEmpty();
    assertThat(Level.of(Map.of())).as("an unlabelled namespace").isEqualTo(Level.PRIVILEGED);
  }

  @Test
  void baselineRefusesHostAccessPrivilegeAndExtraCapabilitiesButNotRoot() {
    assertThat(PodSecurityStandards.violations(Level.BASELINE, new PodSpecBuilder()
        .addNewContainer().withName("root").withNewSecurityContext().withRunAsUser(0L)
          .withNewCapabilities().withAdd("CHOWN", "DAC_OVERRIDE").endCapabilities()
          .endSecurityContext().endContainer().build()))
        .as("root with baseline's default capabilities").isEmpty();
    var pod = new PodSpecBuilder().withHostNetwork(true).withHostPID(true)
        .addNewContainer().withName("a").withNewSecurityContext().withPrivileged(true)
          .withNewCapabilities().withAdd("SYS_ADMIN").endCapabilities()
          .withNewSeccompProfile().withType("Unconfined").endSeccompProfile().endSecurityContext()
          .addNewPort().withContainerPort(80).withHostPort(8080).endPort()
        .endContainer()
        .addNewVolume().withName("h").withNewHostPath().withPath("/etc").endHostPath().endVolume()
        .build();
    assertThat(PodSecurityStandards.violations(Level.BASELINE, pod)).containsExactly(
        "host namespaces (hostNetwork=true, hostPID=true)",
        "privileged (container \"a\" must not set securityContext.privileged=true)",
        "non-default capabilities (container \"a\" must not include \"SYS_ADMIN\" in"
            + " securityContext.capabilities.add)",
        "hostPath volumes (volume \"h\")",
        "hostPort (8080)",
        "seccompProfile (container \"a\" must not set securityContext.seccompProfile.type to"
            + " \"Unconfined\")");
  }

  @Test
  void restrictedAllowsAHardenedPodAndRefusesEachMissingPiece() {
    assertThat(PodSecurityStandards.violations(Level.RESTRICTED, restrictedPod().build()))
        .isEmpty();
    var root = restrictedPod().editFirstContainer().editSecurityContext().withRunAsUser(0L)
        .withRunAsNonRoot(false).endSecurityContext().endContainer().build();
    assertThat(PodSecurityStandards.violations(Level.RESTRICTED, root)).containsExactly(
        "runAsNonRoot != true (container \"app\" must set securityContext.runAsNonRoot=true)",
        "runAsUser=0 (container \"app\" must not set runAsUser=0)");
    var loose = new PodSpecBuilder()
        .addNewContainer().withName("app").withNewSecurityContext()
          .withNewCapabilities().withAdd("NET_BIND_SERVICE", "CHOWN").endCapabilities()
          .endSecurityContext().endContainer()
        .addNewVolume().withName("h").withNewHostPath().withPath("/x").endHostPath().endVolume()
        .build();
    assertThat(PodSecurityStandards.violations(Level.RESTRICTED, loose)).containsExactly(
        "hostPath volumes (volume \"h\")",
        "restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")",
        "allowPrivilegeEscalation != false (container \"app\" must set"
            + " securityContext.allowPrivilegeEscalation=false)",
        "runAsNonRoot != true (container \"app\" must set securityContext.runAsNonRoot=true)",
        "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to"
            + " \"RuntimeDefault\" or \"Localhost\")",
        "unrestricted capabilities (container \"app\" must set"
            + " securityContext.capabilities.drop=[\"ALL\"])",
        "unrestricted capabilities (container \"app\" must not include \"CHOWN\" in"
            + " securityContext.capabilities.add)");
  }

  /**
   * What a real cluster did with the project's install (issue 18 item 2): the node agent in
   * portcullis-system, labelled restricted, is refused, whatever capabilities it gives up.
   */
  @Test
  void theNodeAgentIsRefusedInTheOperatorsRestrictedNamespace() {
    var system = Level.of(Kustomize.labels(Kustomize.one(deploy, "Namespace",
        NodeTrustPublisher.DEFAULT_NAMESPACE)));
    assertThat(system).isEqualTo(Level.RESTRICTED);
    PodSpec agent = NodeTrustModel.daemonSet(NodeTrustPublisher.DEFAULT_NAMESPACE, "img",
        Optional.empty()).getSpec().getTemplate().getSpec();
    assertThat(PodSecurityStandards.violations(system, agent))
        .contains("hostPath volumes (volume \"certs-d\")")
        .anyMatch(v -> v.startsWith("runAsNonRoot != true"));
  }

  /**
   * The node agent's own namespace, as deploy/ ships it, admits it; and hostPath is the only
   * thing baseline (and so a namespace less than privileged) would refuse: no capability, no
   * privilege, no host namespace.
   */
  @Test
  void theNodeAgentsNamespaceAdmitsItAndOnlyItsHostPathNeedsPrivileged() {
    var ns = Kustomize.one(deploy, "Namespace", NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE);
    assertThat(Level.of(Kustomize.labels(ns))).isEqualTo(Level.PRIVILEGED);
    assertThat(Kustomize.labels(ns)).containsEntry(PodSecurityStandards.ENFORCE_LABEL,
        "privileged");
    for (var docker : List.of(Optional.<String>empty(), Optional.of("/etc/docker/certs.d"))) {
      PodSpec agent = NodeTrustModel.daemonSet(NodeTrustPublisher.DEFAULT_AGENT_NAMESPACE, "img",
          docker).getSpec().getTemplate().getSpec();
      assertThat(PodSecurityStandards.violations(Level.PRIVILEGED, agent)).isEmpty();
      assertThat(PodSecurityStandards.violations(Level.BASELINE, agent)).singleElement()
          .asString().startsWith("hostPath volumes");
    }
  }
}
