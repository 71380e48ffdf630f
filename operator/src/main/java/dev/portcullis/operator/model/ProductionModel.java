package dev.portcullis.operator.model;

import dev.portcullis.operator.api.GarbageCollectionSpec;
import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;

/** The production extras: PodDisruptionBudget, NetworkPolicy, garbage-collection CronJob. */
public final class ProductionModel {
  private static final String HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";

  private ProductionModel() {}

  /** With more than one replica, voluntary disruptions take one pod at a time. */
  public static boolean needsPdb(SecureRegistry r) {
    return r.getSpec().effectiveReplicas() > 1;
  }

  public static PodDisruptionBudget pdb(SecureRegistry r) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(Meta.of(r, Names.podDisruptionBudget(r)))
        .withNewSpec()
          .withMaxUnavailable(new IntOrString(1))
          .withNewSelector().withMatchLabels(Names.selectorLabels(r)).endSelector()
        .endSpec()
        .build();
  }

  /**
   * Ingress to the registry port only, from the listed peers (anyone when none are listed); and to
   * the metrics port from the scrapers monitoring.serviceMonitor.scrapeFrom lists.
   */
  public static NetworkPolicy networkPolicy(SecureRegistry r) {
    var from = r.getSpec().networkPolicy.from;
    var policy = new NetworkPolicyBuilder()
        .withMetadata(Meta.of(r, Names.networkPolicy(r)))
        .withNewSpec()
          .withNewPodSelector().withMatchLabels(Names.selectorLabels(r)).endPodSelector()
          .withPolicyTypes("Ingress")
          .addNewIngress()
            .withFrom(from == null || from.isEmpty() ? null : from)
            .addNewPort().withProtocol("TCP").withPort(new IntOrString(Names.REGISTRY_PORT))
            .endPort()
          .endIngress()
        .endSpec()
        .build();
    // monitoring.serviceMonitor.scrapeFrom: Prometheus may reach the metrics port
    MonitoringModel.scrapeIngress(r).ifPresent(policy.getSpec().getIngress()::add);
    return policy;
  }

  /**
   * {@code garbage-collect config.yml [--delete-untagged]} on schedule, in the registry's pod
   * shape (same image, config, storage and credentials). The collector fences concurrent pushes,
   * so it runs while the registry serves; exit 1 (another collection running) fails the Job, and
   * concurrencyPolicy Forbid keeps two from overlapping in the first place. With a claim that is
   * not ReadWriteMany the Job's pod must run on the registry pod's node ({@link #gcAffinity}).
   * A run that hangs (storage unreachable, a stuck volume) would hold back every later one under
   * Forbid: the Job's activeDeadlineSeconds (garbageCollection.timeout) ends it and marks it failed.
   */
  public static CronJob gcCronJob(SecureRegistry r) {
    var gc = r.getSpec().garbageCollection;
    var args = new ArrayList<>(List.of("garbage-collect", RegistryConfig.CONFIG_PATH));
    if (gc.effectiveDeleteUntagged()) {
      args.add("--delete-untagged");
    }
    var container = DeploymentModel.container(r);
    container.setName("garbage-collect");
    container.setArgs(args);
    container.setPorts(null);
    container.setStartupProbe(null);
    container.setLivenessProbe(null);
    container.setReadinessProbe(null);
    var deployment = DeploymentModel.desired(r).getSpec().getTemplate().getSpec();
    return new CronJobBuilder()
        .withMetadata(Meta.of(r, Names.gcCronJob(r)))
        .withNewSpec()
          .withSchedule(gc.schedule)
          .withConcurrencyPolicy("Forbid")
          .withSuccessfulJobsHistoryLimit(3)
          .withFailedJobsHistoryLimit(3)
          .withNewJobTemplate()
            .withNewSpec()
              .withBackoffLimit(1)
              .withActiveDeadlineSeconds(gcDeadlineSeconds(gc))
              .withNewTemplate()
                .withNewMetadata().withLabels(Names.gcPodLabels(r)).endMetadata()
                .withNewSpec()
                  .withRestartPolicy("Never")
                  .withAutomountServiceAccountToken(false)
                  .withSecurityContext(deployment.getSecurityContext())
                  .withContainers(container)
                  .withVolumes(deployment.getVolumes())
                  .withNodeSelector(deployment.getNodeSelector())
                  .withTolerations(deployment.getTolerations())
                  .withAffinity(gcAffinity(r, deployment.getAffinity()))
                  .withImagePullSecrets(deployment.getImagePullSecrets())
                .endSpec()
              .endTemplate()
            .endSpec()
          .endJobTemplate()
        .endSpec()
        .build();
  }

  /** garbageCollection.timeout in whole seconds, rounded up: a deadline never shorter than asked. */
  static long gcDeadlineSeconds(GarbageCollectionSpec gc) {
    var timeout = GoDuration.parse(gc.effectiveTimeout()).getDuration();
    return timeout.getSeconds() + (timeout.getNano() > 0 ? 1 : 0);
  }

  /**
   * The registry's affinity, and with a claim that attaches to one node (not ReadWriteMany) a
   * required pod affinity to the registry's pods on their node. The scheduler does not place a
   * pod by where a ReadWriteOnce volume is attached: elsewhere, the Job's pod would wait in
   * ContainerCreating (Multi-Attach) without end, and with concurrencyPolicy Forbid no later
   * collection would ever start.
   */
  static Affinity gcAffinity(SecureRegistry r, Affinity registry) {
    if (!PvcModel.needsRecreate(r)) {
      return registry;
    }
    var affinity = registry == null ? new AffinityBuilder() : new AffinityBuilder(registry);
    return affinity
        .editOrNewPodAffinity()
          .addNewRequiredDuringSchedulingIgnoredDuringExecution()
            .withNewLabelSelector().withMatchLabels(Names.selectorLabels(r)).endLabelSelector()
            .withTopologyKey(HOSTNAME_TOPOLOGY)
          .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endPodAffinity()
        .build();
  }
}
