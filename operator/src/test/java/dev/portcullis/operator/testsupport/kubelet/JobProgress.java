package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Where a Job stands, as the job controller sees it from its pods: how many run, succeeded and
 * failed, and how many retries its containers took ({@code restartPolicy: OnFailure} restarts a
 * container in its pod; {@code Never} fails the pod and the controller makes another). From that,
 * how many pods to start next and the Job's status. {@code spec.completions} (default 1) pods must
 * succeed, at most {@code spec.parallelism} (default 1) at a time; more than
 * {@code spec.backoffLimit} (default 6) failures and retries fail the Job
 * ({@code BackoffLimitExceeded}).
 */
record JobProgress(int completions, int parallelism, int backoffLimit, int active, int succeeded,
    int failed, int retries) {

  static JobProgress of(Job job, int active, int succeeded, int failed, int retries) {
    var spec = job.getSpec();
    return new JobProgress(
        spec.getCompletions() == null ? 1 : spec.getCompletions(),
        spec.getParallelism() == null ? 1 : spec.getParallelism(),
        spec.getBackoffLimit() == null ? 6 : spec.getBackoffLimit(),
        active, succeeded, failed, retries);
  }

  boolean complete() {
    return succeeded >= completions;
  }

  boolean backoffLimitExceeded() {
    return !complete() && failed + retries > backoffLimit;
  }

  boolean finished() {
    return complete() || backoffLimitExceeded();
  }

  /** Pods to create now: none once finished; else up to parallelism, no more than remain. */
  int podsToStart() {
    if (finished()) {
      return 0;
    }
    return Math.max(0, Math.min(parallelism, completions - succeeded) - active);
  }

  /**
   * The Job's status: the counts, startTime from the first sync, and once finished the terminal
   * condition and (on success) completionTime. Times are kept from {@code old} so that a status
   * that did not change is written the same.
   */
  JobStatus status(JobStatus old, Instant now) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    String start = old != null && old.getStartTime() != null ? old.getStartTime() : time;
    var status = new JobStatusBuilder().withStartTime(start)
        .withActive(active == 0 ? null : active)
        .withSucceeded(succeeded == 0 ? null : succeeded)
        .withFailed(failed == 0 ? null : failed);
    JobCondition previous = old == null || old.getConditions() == null ? null
        : old.getConditions().stream().filter(c -> "True".equals(c.getStatus())).findFirst()
            .orElse(null);
    String since = previous != null ? previous.getLastTransitionTime() : time;
    if (complete()) {
      status.withCompletionTime(old != null && old.getCompletionTime() != null
          ? old.getCompletionTime() : time);
      status.withConditions(condition("Complete", null, null, since));
    } else if (backoffLimitExceeded()) {
      status.withConditions(condition("Failed", "BackoffLimitExceeded",
          "Job has reached the specified backoff limit", since));
    }
    return status.build();
  }

  /** Whether two statuses say the same (what the controller would not write again). */
  static boolean same(JobStatus a, JobStatus b) {
    return a != null && b != null && Objects.equals(a.getActive(), b.getActive())
        && Objects.equals(a.getSucceeded(), b.getSucceeded())
        && Objects.equals(a.getFailed(), b.getFailed())
        && Objects.equals(types(a), types(b));
  }

  private static List<String> types(JobStatus s) {
    return s.getConditions() == null ? List.of()
        : s.getConditions().stream().map(JobCondition::getType).toList();
  }

  private static JobCondition condition(String type, String reason, String message,
      String since) {
    return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason)
        .withMessage(message).withLastProbeTime(since).withLastTransitionTime(since).build();
  }
}
