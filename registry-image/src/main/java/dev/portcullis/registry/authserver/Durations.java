package dev.portcullis.registry.authserver;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as docker_auth users write them: a bare number of seconds ({@code expiration: 900}) or a Go
 * duration string ({@code "15m"}, {@code "1h30m"}, {@code "500ms"}).
 */
final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

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
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("'" + s + "' is not a duration (use e.g. 90s, 15m, 1h30m)");
            }
            double n = Double.parseDouble(m.group(1));
            long millis = switch (m.group(2)) {
                case "ms" -> Math.round(n);
                case "s" -> Math.round(n * 1_000);
                case "m" -> Math.round(n * 60_000);
                default -> Math.round(n * 3_600_000);
            };
            total = total.plusMillis(millis);
            pos = m.end();
        }
        return total;
    }
}
