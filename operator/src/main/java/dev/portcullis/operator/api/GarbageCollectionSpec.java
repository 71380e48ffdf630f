package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Scheduled garbage collection with the registry's own collector (safe while it serves). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.timeout) || duration(self.timeout) >= duration('1s')",
    message = "garbageCollection.timeout must be at least 1s")
public class GarbageCollectionSpec {

  /**
   * Long enough for the mark phase over a large bucket (it reads every manifest), short enough
   * that a hung run (storage unreachable, a stuck volume) ends before a daily schedule's next one:
   * with concurrencyPolicy Forbid a run that never ends would hold back every later run.
   */
  public static final String DEFAULT_TIMEOUT = "6h";

  /**
   * A Go duration in whole units: the Job's deadline is whole seconds, and Fabric8's parser
   * (which the operator reads it with) misreads fractions ("90.5s" as 5s) and signs.
   */
  public static final String TIMEOUT = "^([0-9]+(ns|us|ms|s|m|h))+$";

  @JsonPropertyDescription("Cron schedule of the collection, e.g. '0 3 * * 0'.")
  @Required
  public String schedule;

  @JsonPropertyDescription("Also remove manifests no tag points at (--delete-untagged).")
  @Default("false")
  public Boolean deleteUntagged;

  @JsonPropertyDescription("How long one collection may run before its Job is stopped and counted"
      + " failed (the Job's activeDeadlineSeconds), a Go duration in whole units (6h, 1h30m, 90s) of at least 1s (default 6h).")
  @Default(DEFAULT_TIMEOUT)
  @Pattern(TIMEOUT)
  @Size(max = 32)
  public String timeout;

  public String effectiveTimeout() {
    return timeout == null ? DEFAULT_TIMEOUT : timeout;
  }

  public boolean effectiveDeleteUntagged() {
    return Boolean.TRUE.equals(deleteUntagged);
  }
}
