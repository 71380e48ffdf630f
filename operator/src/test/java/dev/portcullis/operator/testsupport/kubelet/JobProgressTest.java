package dev.portcullis.operator.testsupport.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.testsupport.clients.ManualJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The job controller's arithmetic of the kubelet stand-in, and kubectl's Job from a CronJob. */
class JobProgressTest {

  static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

  static Job job(Integer completions, Integer parallelism, Integer backoffLimit) {
    return new JobBuilder().withNewMetadata().withName("j").endMetadata().withNewSpec()
        .withCompletions(completions).withParallelism(parallelism).withBackoffLimit(backoffLimit)
        .endSpec().build();
  }

  @Test
  void oneCompletionByDefault() {
    var fresh = JobProgress.of(job(null, null, null), 0, 0, 0, 0);
    assertThat(fresh.podsToStart()).isOne();
    assertThat(fresh.status(null, T0).getStartTime()).isEqualTo("2026-12-07T12:00:00Z");
    assertThat(fresh.status(null, T0).getConditions()).isEmpty();

    var running = JobProgress.of(job(null, null, null), 1, 0, 0, 0);
    assertThat(running.podsToStart()).isZero();
    assertThat(running.status(null, T0).getActive()).isOne();

    var done = JobProgress.of(job(null, null, null), 0, 1, 0, 0);
    assertThat(done.podsToStart()).isZero();
    var status = done.status(fresh.status(null, T0), T0.plusSeconds(5));
    assertThat(status.getSucceeded()).isOne();
    assertThat(status.getActive()).isNull();
    assertThat(status.getStartTime()).isEqualTo("2026-12-07T12:00:00Z");
    assertThat(status.getCompletionTime()).isEqualTo("2026-12-07T12:00:05Z");
    assertThat(status.getConditions()).extracting(JobCondition::getType, JobCondition::getStatus)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Complete", "True"));
  }

  @Test
  void failedPodsAreReplacedUntilTheBackoffLimit() {
    // backoffLimit 1 (the operator's GC CronJob): one failed pod is retried, a second fails it
    var once = JobProgress.of(job(null, null, 1), 0, 0, 1, 0);
    assertThat(once.podsToStart()).isOne();
    assertThat(once.status(null, T0).getConditions()).isEmpty();
    var twice = JobProgress.of(job(null, null, 1), 0, 0, 2, 0);
    assertThat(twice.podsToStart()).isZero();
    var status = twice.status(null, T0);
    assertThat(status.getFailed()).isEqualTo(2);
    assertThat(status.getCompletionTime()).isNull();
    assertThat(status.getConditions()).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("Failed");
      assertThat(c.getReason()).isEqualTo("BackoffLimitExceeded");
    });
  }

  @Test
  void containerRetriesCountAgainstTheBackoffLimit() {
    // restartPolicy OnFailure: the pod stays, its container's restarts are the retries
    assertThat(JobProgress.of(job(null, null, 2), 1, 0, 0, 2).backoffLimitExceeded()).isFalse();
    assertThat(JobProgress.of(job(null, null, 2), 1, 0, 0, 3).backoffLimitExceeded()).isTrue();
  }

  @Test
  void completionsRunAtMostParallelismAtATime() {
    var p = JobProgress.of(job(5, 2, null), 0, 0, 0, 0);
    assertThat(p.podsToStart()).isEqualTo(2);
    assertThat(JobProgress.of(job(5, 2, null), 1, 3, 0, 0).podsToStart()).isOne();
    assertThat(JobProgress.of(job(5, 2, null), 1, 4, 0, 0).podsToStart()).isZero();
    assertThat(JobProgress.of(job(5, 2, null), 0, 5, 0, 0).complete()).isTrue();
  }

  @Test
  void unchangedStatusIsNotWrittenAgain() {
    var a = JobProgress.of(job(null, null, null), 1, 0, 0, 0).status(null, T0);
    var b = JobProgress.of(job(null, null, null), 1, 0, 0, 0).status(a, T0.plusSeconds(9));
    assertThat(JobProgress.same(a, b)).isTrue();
    assertThat(b).isEqualTo(a);
    var c = JobProgress.of(job(null, null, null), 0, 1, 0, 0).status(b, T0.plusSeconds(9));
    assertThat(JobProgress.same(b, c)).isFalse();
  }

  @Test
  void aCronJobRunNowIsItsJobTemplateOwnedByIt() {
    var cronJob = new CronJobBuilder().withNewMetadata().withName("keep-gc").withNamespace("ns")
        .withUid("uid-1").addToLabels("app", "x").endMetadata()
        .withNewSpec().withSchedule("0 3 * * 0").withNewJobTemplate()
          .withNewMetadata().addToLabels("team", "a").addToAnnotations("note", "n").endMetadata()
          .withNewSpec().withBackoffLimit(1).withNewTemplate().withNewSpec()
            .withRestartPolicy("Never").addNewContainer().withName("gc").withImage("img")
            .endContainer().endSpec().endTemplate().endSpec()
        .endJobTemplate().endSpec().build();
    Job job = ManualJob.from(cronJob, "keep-gc-manual-1");
    assertThat(job.getMetadata().getName()).isEqualTo("keep-gc-manual-1");
    assertThat(job.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(job.getMetadata().getLabels()).containsExactly(java.util.Map.entry("team", "a"));
    assertThat(job.getMetadata().getAnnotations()).containsEntry("note", "n")
        .containsEntry("cronjob.kubernetes.io/instantiate", "manual");
    assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("CronJob");
      assertThat(o.getName()).isEqualTo("keep-gc");
      assertThat(o.getUid()).isEqualTo("uid-1");
      assertThat(o.getController()).isTrue();
    });
    assertThat(job.getSpec()).isEqualTo(cronJob.getSpec().getJobTemplate().getSpec());
  }
}
