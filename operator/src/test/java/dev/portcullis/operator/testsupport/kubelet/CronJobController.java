package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The CronJob controller: at a minute its schedule names ({@link CronSchedule}, in
 * {@code spec.timeZone}, UTC by default) a CronJob gets a Job from its jobTemplate, named
 * {@code <cronjob>-<minutes since the epoch>} and owned by it, as the controller makes them;
 * {@code suspend} and {@code concurrencyPolicy} (Forbid skips while a Job of it runs, Replace
 * deletes that Job first) are followed, {@code status.lastScheduleTime} and {@code active}
 * written, and finished Jobs beyond the history limits deleted. Minutes missed (a busy test JVM)
 * are not caught up, and {@code startingDeadlineSeconds} is not read.
 */
public final class CronJobController {

  private final KubernetesClient client;

  CronJobController(KubernetesClient client) {
    this.client = client;
  }

  /**
   * A Job made now from {@code cronJob}'s jobTemplate: its labels and annotations (plus
   * {@code annotations}), its spec, and the CronJob as controlling owner.
   */
  public static Job jobFrom(CronJob cronJob, String name, Map<String, String> annotations) {
    var template = cronJob.getSpec().getJobTemplate();
    var meta = template.getMetadata();
    var allAnnotations = new HashMap<String, String>();
    if (meta != null && meta.getAnnotations() != null) {
      allAnnotations.putAll(meta.getAnnotations());
    }
    allAnnotations.putAll(annotations);
    return new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(cronJob.getMetadata().getNamespace())
          .withLabels(meta == null ? null : meta.getLabels()).withAnnotations(allAnnotations)
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1")
              .withKind("CronJob").withName(cronJob.getMetadata().getName())
              .withUid(cronJob.getMetadata().getUid()).withController(true)
              .withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }

  void sync(Instant now) {
    for (CronJob cj : client.batch().v1().cronjobs().inAnyNamespace().list().getItems()) {
      var template = cj.getSpec().getJobTemplate().getSpec().getTemplate();
      if (Kubelet.runs(cj, template)) {
        sync(cj, now);
      }
    }
  }

  private void sync(CronJob cj, Instant now) {
    String ns = cj.getMetadata().getNamespace();
    List<Job> owned = client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
        .filter(j -> ownedBy(j, cj)).toList();
    List<Job> active = owned.stream().filter(j -> !finished(j)).toList();
    String lastScheduled = cj.getStatus() == null ? null : cj.getStatus().getLastScheduleTime();
    String scheduled = due(cj, now, lastScheduled);
    if (scheduled != null) {
      String policy = Objects.requireNonNullElse(cj.getSpec().getConcurrencyPolicy(), "Allow");
      if (!active.isEmpty() && "Replace".equals(policy)) {
        active.forEach(j -> client.resource(j).delete());
        active = List.of();
      }
      if (active.isEmpty() || "Allow".equals(policy)) {
        String name = cj.getMetadata().getName() + "-"
            + Instant.parse(scheduled).getEpochSecond() / 60;
        Job job = client.resource(jobFrom(cj, name,
            Map.of("batch.kubernetes.io/cronjob-scheduled-timestamp", scheduled))).create();
        active = new java.util.ArrayList<>(active);
        active.add(job);
      }
      lastScheduled = scheduled; // a skipped run (Forbid) is a run not made, not one owed
    }
    prune(owned, "Complete", cj.getSpec().getSuccessfulJobsHistoryLimit(), 3);
    prune(owned, "Failed", cj.getSpec().getFailedJobsHistoryLimit(), 1);
    var status = new CronJobStatusBuilder().withLastScheduleTime(lastScheduled)
        .withActive(active.stream().map(j -> new ObjectReferenceBuilder().withApiVersion("batch/v1")
            .withKind("Job").withNamespace(ns).withName(j.getMetadata().getName())
            .withUid(j.getMetadata().getUid()).build()).toList())
        .build();
    if (cj.getStatus() == null || !Objects.equals(cj.getStatus().getLastScheduleTime(),
        status.getLastScheduleTime()) || !Objects.equals(names(cj.getStatus().getActive()),
        names(status.getActive()))) {
      status.setLastSuccessfulTime(cj.getStatus() == null ? null
          : cj.getStatus().getLastSuccessfulTime());
      cj.setStatus(status);
      client.resource(cj).updateStatus();
    }
  }

  /** The minute now, if the schedule names it and no Job was made for it yet; else null. */
  static String due(CronJob cj, Instant now, String lastScheduled) {
    if (Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
      return null;
    }
    CronSchedule schedule;
    try {
      schedule = CronSchedule.parse(cj.getSpec().getSchedule());
    } catch (IllegalArgumentException e) {
      return null; // a real API server refuses such a CronJob
    }
    ZoneId zone = cj.getSpec().getTimeZone() == null ? ZoneOffset.UTC
        : ZoneId.of(cj.getSpec().getTimeZone());
    ZonedDateTime minute = now.atZone(zone).truncatedTo(ChronoUnit.MINUTES);
    String at = minute.toInstant().toString();
    String created = cj.getMetadata().getCreationTimestamp();
    boolean before = created != null
        && minute.toInstant().isBefore(Instant.parse(created).truncatedTo(ChronoUnit.MINUTES));
    if (before || at.equals(lastScheduled) || !schedule.matches(minute)) {
      return null;
    }
    return at;
  }

  private void prune(List<Job> owned, String condition, Integer limit, int byDefault) {
    int keep = limit == null ? byDefault : limit;
    List<Job> ended = owned.stream().filter(j -> hasCondition(j, condition))
        .sorted(Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp(),
            Comparator.nullsFirst(Comparator.naturalOrder())).reversed())
        .toList();
    ended.stream().skip(keep).forEach(j -> client.resource(j).delete());
  }

  private static boolean ownedBy(Job j, CronJob cj) {
    List<OwnerReference> refs = j.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> "CronJob".equals(r.getKind())
        && Objects.equals(r.getUid(), cj.getMetadata().getUid()));
  }

  private static boolean finished(Job j) {
    return hasCondition(j, "Complete") || hasCondition(j, "Failed");
  }

  private static boolean hasCondition(Job j, String type) {
    return j.getStatus() != null && j.getStatus().getConditions() != null
        && j.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<String> names(List<io.fabric8.kubernetes.api.model.ObjectReference> refs) {
    return refs == null ? List.of() : refs.stream().map(r -> r.getName()).toList();
  }
}
