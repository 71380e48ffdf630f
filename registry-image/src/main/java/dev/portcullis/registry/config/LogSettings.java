package dev.portcullis.registry.config;

import java.util.Map;

/** The {@code log} section. */
public record LogSettings(String level, String formatter, Map<String, String> fields, boolean accessLogDisabled) {
}
