package dev.portcullis.operator.testsupport.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** The CronJob controller's reading of schedules, and when a CronJob is due. */
class CronScheduleTest {

  static boolean at(String schedule, String utc) {
    return CronSchedule.parse(schedule).matches(ZonedDateTime.parse(utc).withZoneSameInstant(
        ZoneOffset.UTC));
  }

  @Test
  void fieldsRangesStepsListsAndNames() {
    // 2026-12-06 is a Sunday
    assertThat(at("0 3 * * 0", "2026-12-06T03:00:00Z")).isTrue();
    assertThat(at("0 3 * * 7", "2026-12-06T03:00:00Z")).isTrue();
    assertThat(at("0 3 * * SUN", "2026-12-06T03:00:00Z")).isTrue();
    assertThat(at("0 3 * * 0", "2026-12-07T03:00:00Z")).isFalse();
    assertThat(at("0 3 * * 0", "2026-12-06T03:01:00Z")).isFalse();
    assertThat(at("*/15 * * * *", "2026-12-07T11:45:00Z")).isTrue();
    assertThat(at("*/15 * * * *", "2026-12-07T11:46:00Z")).isFalse();
    assertThat(at("5-10/5,30 9-17 * DEC MON-FRI", "2026-12-07T10:30:00Z")).isTrue();
    assertThat(at("5-10/5,30 9-17 * DEC MON-FRI", "2026-12-07T10:10:00Z")).isTrue();
    assertThat(at("5-10/5,30 9-17 * DEC MON-FRI", "2026-12-07T10:07:00Z")).isFalse();
    assertThat(at("@hourly", "2026-12-07T10:00:00Z")).isTrue();
    assertThat(at("@weekly", "2026-12-06T00:00:00Z")).isTrue();
  }

  @Test
  void bothDayFieldsRestrictedMeansEither() {
    // the 1st of the month or a Monday (cron's rule)
    assertThat(at("0 0 1 * 1", "2026-12-07T00:00:00Z")).isTrue();
    assertThat(at("0 0 1 * 1", "2026-12-01T00:00:00Z")).isTrue();
    assertThat(at("0 0 1 * 1", "2026-12-08T00:00:00Z")).isFalse();
    assertThat(at("0 0 1 * *", "2026-12-07T00:00:00Z")).isFalse();
  }

  @Test
  void badSchedulesSayWhy() {
    assertThatThrownBy(() -> CronSchedule.parse("0 3 * *")).hasMessageContaining("5 fields");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *")).hasMessageContaining("0-59");
    assertThatThrownBy(() -> CronSchedule.parse("0 3 * * FUNDAY"))
        .hasMessageContaining("FUNDAY");
  }

  static CronJob cronJob(String schedule, Boolean suspend) {
    return new CronJobBuilder().withNewMetadata().withName("gc")
        .withCreationTimestamp("2026-12-07T11:00:00Z").endMetadata()
        .withNewSpec().withSchedule(schedule).withSuspend(suspend).endSpec().build();
  }

  @Test
  void dueOnceInAScheduledMinuteAfterCreation() {
    Instant now = Instant.parse("2026-12-07T12:00:20Z");
    assertThat(CronJobController.due(cronJob("0 * * * *", null), now, null))
        .isEqualTo("2026-12-07T12:00:00Z");
    assertThat(CronJobController.due(cronJob("0 * * * *", null), now, "2026-12-07T12:00:00Z"))
        .as("made already").isNull();
    assertThat(CronJobController.due(cronJob("0 * * * *", true), now, null)).as("suspended")
        .isNull();
    assertThat(CronJobController.due(cronJob("30 * * * *", null), now, null)).isNull();
    assertThat(CronJobController.due(cronJob("0 * * * *", null),
        Instant.parse("2026-12-07T10:00:10Z"), null)).as("before it was created").isNull();
  }
}
