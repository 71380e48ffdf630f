package dev.portcullis.operator.testsupport.clients;

import dev.portcullis.operator.testsupport.kubelet.CronJobController;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * {@code kubectl create job NAME --from=cronjob/CRONJOB}: a CronJob run now rather than at its
 * schedule, a Job from its jobTemplate owned by it and annotated
 * {@code cronjob.kubernetes.io/instantiate: manual}, as kubectl makes it.
 */
public final class ManualJob {

  private ManualJob() {}

  /** The Job kubectl would create from {@code cronJob}. */
  public static Job from(CronJob cronJob, String name) {
    return CronJobController.jobFrom(cronJob, name,
        Map.of("cronjob.kubernetes.io/instantiate", "manual"));
  }

  /** Creates the Job from CronJob {@code ns/cronJob} in the API server; fails if it is missing. */
  public static Job create(KubernetesClient client, String ns, String cronJob, String name) {
    CronJob source = client.batch().v1().cronjobs().inNamespace(ns).withName(cronJob).get();
    if (source == null) {
      throw new IllegalArgumentException("cronjobs.batch \"" + cronJob + "\" not found in " + ns);
    }
    return client.resource(from(source, name)).create();
  }
}
