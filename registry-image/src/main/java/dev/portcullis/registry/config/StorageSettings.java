package dev.portcullis.registry.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** The {@code storage} section: one driver with its parameters, plus the driver-independent sections. */
public record StorageSettings(String driver, Map<String, Object> parameters, boolean deleteEnabled, boolean readOnly,
                              UploadPurging uploadPurging, boolean redirectDisabled) {

    /** Sections of {@code storage} that are not a driver. */
    public static final Set<String> GENERIC_SECTIONS = Set.of("delete", "maintenance", "cache", "redirect", "tag");

    /** Removal of abandoned upload sessions, Distribution's {@code storage.maintenance.uploadpurging}. */
    public record UploadPurging(boolean enabled, Duration age, Duration interval, boolean dryRun) {}
}
