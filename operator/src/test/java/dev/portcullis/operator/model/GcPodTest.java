package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.GarbageCollectionSpec;
import dev.portcullis.operator.tenancy.LabelSelectors;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The garbage-collection Job's pod. It serves nothing: were it selected by the registry's Service
 * it would receive pulls, by the PodDisruptionBudget it would count as a registry replica, by the
 * Deployment's selector it would overlap the ReplicaSet's pods. And it must reach the storage.
 */
class GcPodTest {

  @Test
  void noSelectorOfTheRegistryPicksTheGcPod() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().replicas = 2;
    r.getSpec().storage.persistentVolumeClaim.accessModes = java.util.List.of("ReadWriteMany");
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    var gcPod = ProductionModel.gcCronJob(r).getSpec().getJobTemplate().getSpec().getTemplate()
        .getMetadata().getLabels();
    var registryPod = DeploymentModel.desired(r).getSpec().getTemplate().getMetadata().getLabels();

    Map<String, LabelSelector> selectors = Map.of(
        "Service", of(ServiceModel.desired(r).getSpec().getSelector()),
        "metrics Service", of(MonitoringModel.metricsService(r).getSpec().getSelector()),
        "Deployment", DeploymentModel.desired(r).getSpec().getSelector(),
        "PodDisruptionBudget", ProductionModel.pdb(r).getSpec().getSelector());
    selectors.forEach((what, selector) -> {
      assertThat(LabelSelectors.matches(selector, registryPod)).as(what + " picks the registry")
          .isTrue();
      assertThat(LabelSelectors.matches(selector, gcPod)).as(what + " picks the GC pod")
          .isFalse();
    });
    // still the registry's instance, and still the operator's
    assertThat(gcPod).containsEntry(Names.INSTANCE_LABEL, "reg")
        .containsEntry(Names.MANAGED_BY_LABEL, Names.MANAGED_BY);
  }

  @Test
  void withAClaimThatAttachesToOneNodeItRunsBesideTheRegistryKeepingTheUsersAffinity() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    r.getSpec().affinity = new AffinityBuilder().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
        .addNewMatchExpression().withKey("disk").withOperator("In").withValues("ssd")
        .endMatchExpression().endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build();
    var affinity = pod(r).getAffinity();
    assertThat(affinity.getNodeAffinity()).isEqualTo(r.getSpec().affinity.getNodeAffinity());
    assertThat(affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        .singleElement().satisfies(term -> {
          assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          var registryPod = DeploymentModel.desired(r).getSpec().getTemplate().getMetadata()
              .getLabels();
          assertThat(LabelSelectors.matches(term.getLabelSelector(), registryPod)).isTrue();
        });
    // the registry's own pods are not bound to each other
    assertThat(r.getSpec().affinity.getPodAffinity()).isNull();
    assertThat(DeploymentModel.desired(r).getSpec().getTemplate().getSpec().getAffinity()
        .getPodAffinity()).isNull();

    // a claim every node can mount, or a bucket: anywhere the registry's affinity allows
    r.getSpec().storage.persistentVolumeClaim.accessModes = java.util.List.of("ReadWriteMany");
    assertThat(pod(r).getAffinity()).isEqualTo(r.getSpec().affinity);
    r.getSpec().affinity = null;
    assertThat(pod(r).getAffinity()).isNull();
  }

  @Test
  void aHungCollectionIsStoppedByTheJobsDeadlineSoTheNextRunCanStart() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    var job = ProductionModel.gcCronJob(r).getSpec().getJobTemplate().getSpec();
    assertThat(job.getActiveDeadlineSeconds()).isEqualTo(6 * 3600L);
    assertThat(job.getBackoffLimit()).isEqualTo(1);

    r.getSpec().garbageCollection.timeout = "1h30m";
    assertThat(ProductionModel.gcCronJob(r).getSpec().getJobTemplate().getSpec()
        .getActiveDeadlineSeconds()).isEqualTo(5400L);
    // rounded up, never shorter than asked
    r.getSpec().garbageCollection.timeout = "1500ms";
    assertThat(ProductionModel.gcCronJob(r).getSpec().getJobTemplate().getSpec()
        .getActiveDeadlineSeconds()).isEqualTo(2L);
  }

  @Test
  void aNewTimeoutRewritesOnlyTheCronJobNotTheRegistrysPods() {
    var r = Registries.basic("apps", "reg");
    r.getSpec().garbageCollection = new GarbageCollectionSpec();
    r.getSpec().garbageCollection.schedule = "0 3 * * 0";
    var deployment = DeploymentModel.desired(r);
    r.getSpec().garbageCollection.timeout = "12h";
    assertThat(DeploymentModel.desired(r)).isEqualTo(deployment);
  }

  private static io.fabric8.kubernetes.api.model.PodSpec pod(
      dev.portcullis.operator.api.SecureRegistry r) {
    return ProductionModel.gcCronJob(r).getSpec().getJobTemplate().getSpec().getTemplate()
        .getSpec();
  }

  private static LabelSelector of(Map<String, String> serviceSelector) {
    return new LabelSelectorBuilder().withMatchLabels(serviceSelector).build();
  }
}
