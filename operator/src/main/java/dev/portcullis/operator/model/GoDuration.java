package dev.portcullis.operator.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.fabric8.kubernetes.api.model.Duration;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration that is written as users write Go durations ("2160h", "1h30m", "90s"), where Fabric8's
 * {@link Duration} writes nanoseconds ("7776000000000000ns"): the same value to cert-manager, but a
 * Certificate that reads like its SecureRegistry, and that GitOps tools do not see as a change.
 */
@JsonSerialize(using = GoDuration.Writer.class)
public final class GoDuration extends Duration {

  private static final Pattern PART = Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> UNIT_NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L,
      "μs", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L,
      "h", 3_600_000_000_000L);

  private GoDuration(java.time.Duration value) {
    super(value);
  }

  /**
   * Parses a Go duration ({@code time.ParseDuration}: "15m", "1h30m", "1.5h", "90.5s", "0"; no sign,
   * which no field of ours allows); IllegalArgumentException names the text when it is not one.
   * Fabric8's {@link Duration#parse} is not used: it reads the digits after a decimal point as the
   * whole number ("1.5h" became 5 hours, "90.5s" 5 seconds) and skips what it does not know ("1m-5s"
   * became 65 seconds), while the CRD's patterns accept fractions as Go does.
   */
  public static GoDuration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("not a Go duration: " + text);
    }
    if (text.equals("0")) {
      return new GoDuration(java.time.Duration.ZERO);
    }
    Matcher part = PART.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < text.length()) {
      if (!part.find(at) || part.start() != at || part.group(1).isEmpty()
          || part.group(1).equals(".")) {
        throw new IllegalArgumentException("not a Go duration: " + text);
      }
      nanos = nanos.add(new BigDecimal(part.group(1).startsWith(".") ? "0" + part.group(1)
          : part.group(1).endsWith(".") ? part.group(1) + "0" : part.group(1))
          .multiply(BigDecimal.valueOf(UNIT_NANOS.get(part.group(2)))));
      at = part.end();
    }
    try {
      // Go drops what is below a nanosecond
      return new GoDuration(java.time.Duration.ofNanos(
          nanos.setScale(0, RoundingMode.DOWN).longValueExact()));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("not a Go duration (too long): " + text, e);
    }
  }

  /** The shortest exact text: whole hours, minutes and seconds, then what is left in ms, us, ns. */
  public static String format(java.time.Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder(d.isNegative() ? "-" : "");
    long nanos = d.abs().toNanos();
    long[] units = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    String[] names = {"h", "m", "s", "ms", "us", "ns"};
    for (int i = 0; i < units.length; i++) {
      long n = nanos / units[i];
      if (n > 0) {
        out.append(n).append(names[i]);
        nanos -= n * units[i];
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return format(getDuration());
  }

  /** Writes any Fabric8 Duration in Go's notation. */
  public static final class Writer extends StdSerializer<Duration> {
    public Writer() {
      super(Duration.class);
    }

    @Override
    public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeString(format(value.getDuration()));
    }
  }
}
