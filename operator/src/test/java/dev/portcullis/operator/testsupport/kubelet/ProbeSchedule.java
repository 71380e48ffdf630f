package dev.portcullis.operator.testsupport.kubelet;

import io.fabric8.kubernetes.api.model.Probe;
import java.util.function.Function;

/**
 * A startup or liveness probe on the kubelet's schedule: first after initialDelaySeconds, then
 * every periodSeconds (default 10); failureThreshold (default 3) failures in a row are the
 * verdict. (Readiness is polled faster, see {@link Kubelet#PERIOD_MS}: it only moves a pod in and
 * out of its Service.)
 */
final class ProbeSchedule {

  enum Outcome { NOT_DUE, PASSED, FAILED, THRESHOLD }

  private long next;
  private int failures;
  String lastFailure;

  /** Runs {@code probe} through {@code check} (null: passed, else why not) if it is due. */
  Outcome run(Probe probe, Function<Probe, String> check) {
    long now = System.currentTimeMillis();
    if (next == 0) {
      int delay = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
      next = now + delay * 1000L;
    }
    if (now < next) {
      return Outcome.NOT_DUE;
    }
    int period = probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
    next = now + period * 1000L;
    String failure = check.apply(probe);
    if (failure == null) {
      failures = 0;
      return Outcome.PASSED;
    }
    lastFailure = failure;
    int threshold = probe.getFailureThreshold() == null ? 3 : probe.getFailureThreshold();
    if (++failures >= threshold) {
      reset();
      return Outcome.THRESHOLD;
    }
    return Outcome.FAILED;
  }

  void reset() {
    next = 0;
    failures = 0;
  }
}
