package dev.portcullis.operator.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.fabric8.kubernetes.api.model.Duration;
import java.io.IOException;
import java.text.ParseException;

/**
 * A duration that is written as users write Go durations ("2160h", "1h30m", "90s"), where Fabric8's
 * {@link Duration} writes nanoseconds ("7776000000000000ns"): the same value to cert-manager, but a
 * Certificate that reads like its SecureRegistry, and that GitOps tools do not see as a change.
 */
@JsonSerialize(using = GoDuration.Writer.class)
public final class GoDuration extends Duration {

  private GoDuration(java.time.Duration value) {
    super(value);
  }

  /** Parses a Go duration; IllegalArgumentException names the text when it is not one. */
  public static GoDuration parse(String text) {
    try {
      return new GoDuration(Duration.parse(text).getDuration());
    } catch (ParseException e) {
      throw new IllegalArgumentException("not a Go duration: " + text, e);
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
