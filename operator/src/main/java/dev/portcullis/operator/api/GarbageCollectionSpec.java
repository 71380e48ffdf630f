package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** Scheduled garbage collection with the registry's own collector (safe while it serves). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GarbageCollectionSpec {

  @JsonPropertyDescription("Cron schedule of the collection, e.g. '0 3 * * 0'.")
  @Required
  public String schedule;

  @JsonPropertyDescription("Also remove manifests no tag points at (--delete-untagged).")
  @Default("false")
  public Boolean deleteUntagged;

  public boolean effectiveDeleteUntagged() {
    return Boolean.TRUE.equals(deleteUntagged);
  }
}
