package dev.portcullis.registry.authserver;

import java.time.Duration;

/**
 * Durations as docker_auth users write them: a bare number of seconds ({@code expiration: 900}) or a Go
 * duration string ({@code "15m"}, {@code "1h30m"}, {@code "500ms"}), parsed like the registry's config.
 */
final class Durations {
    private Durations() {
    }

    static Duration parse(Object value) {
        if (value instanceof Integer || value instanceof Long) {
            return Duration.ofSeconds(((Number) value).longValue());
        }
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("must be a number of seconds or a duration such as \"15m\"");
        }
        s = s.trim();
        if (s.chars().allMatch(Character::isDigit)) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        try {
            return dev.portcullis.registry.config.GoDuration.parse("duration", s);
        } catch (dev.portcullis.registry.config.ConfigException e) {
            throw new IllegalArgumentException("'" + s + "' is not a duration (use e.g. 90s, 15m, 1h30m)");
        }
    }
}
