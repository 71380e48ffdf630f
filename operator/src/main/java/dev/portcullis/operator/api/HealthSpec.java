package dev.portcullis.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

/** The registry's own storage health check, reported on /readyz. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthSpec {

  public StorageDriver storageDriver;

  public StorageDriver effectiveStorageDriver() {
    return storageDriver == null ? new StorageDriver() : storageDriver;
  }

  /** Distribution's health.storagedriver block. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class StorageDriver {
    @Default("true")
    public Boolean enabled;

    @Default("10s")
    public String interval;

    @Default("3")
    @Min(1)
    public Integer threshold;

    public boolean effectiveEnabled() {
      return enabled == null || enabled;
    }

    public String effectiveInterval() {
      return interval == null ? "10s" : interval;
    }

    public int effectiveThreshold() {
      return threshold == null ? 3 : threshold;
    }
  }
}
