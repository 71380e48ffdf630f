package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Go's duration syntax as {@code time.ParseDuration} reads it, fractions included: the CRD's patterns
 * accept "1.5h", which Fabric8's parser read as 5 hours (a token lifetime three times the one asked).
 */
class GoDurationTest {

  @Test
  void readsWholeAndFractionalUnitsAsGoDoes() {
    assertThat(GoDuration.parse("15m").getDuration()).isEqualTo(Duration.ofMinutes(15));
    assertThat(GoDuration.parse("1h30m").getDuration()).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1.5h").getDuration()).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("90.5s").getDuration()).isEqualTo(Duration.ofMillis(90_500));
    assertThat(GoDuration.parse("2h45m30.5s").getDuration())
        .isEqualTo(Duration.ofHours(2).plusMinutes(45).plusMillis(30_500));
    assertThat(GoDuration.parse(".5s").getDuration()).isEqualTo(Duration.ofMillis(500));
    assertThat(GoDuration.parse("1.s").getDuration()).isEqualTo(Duration.ofSeconds(1));
    assertThat(GoDuration.parse("1500ms").getDuration()).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDuration.parse("3us").getDuration()).isEqualTo(Duration.ofNanos(3_000));
    assertThat(GoDuration.parse("3µs").getDuration()).isEqualTo(Duration.ofNanos(3_000));
    assertThat(GoDuration.parse("1.0000000009s").getDuration()).isEqualTo(Duration.ofSeconds(1));
    assertThat(GoDuration.parse("0").getDuration()).isZero();
    assertThat(GoDuration.parse("2160h")).hasToString("2160h");
  }

  @Test
  void refusesWhatGoRefuses() {
    for (String bad : List.of("", "5", "abc", "1m-5s", "1e3s", "1.5.5s", ".s", "1h 30m", "h",
        "-1h", "1d", "9999999999999h")) {
      assertThatThrownBy(() -> GoDuration.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not a Go duration");
    }
  }
}
