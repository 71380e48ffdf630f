package dev.portcullis.registry.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Every problem of one configuration, gathered so that one start reports them all: each section is read on its own,
 * and a section's mistake does not hide another's. A problem two readings both meet is reported once.
 */
final class ConfigProblems {
    private final Set<String> errors = new LinkedHashSet<>();

    /** The section {@code reader} returns, or null (and its problem noted) when it cannot be read. */
    <T> T read(Supplier<T> reader) {
        try {
            return reader.get();
        } catch (ConfigException e) {
            errors.addAll(e.problems());
            return null;
        }
    }

    void check(Runnable check) {
        read(() -> {
            check.run();
            return null;
        });
    }

    /**
     * Throws when anything failed: the unknown keys among {@code keyFindings} first (a typo is the likeliest cause of
     * what follows), then the other findings, then the errors, one line each.
     */
    void throwIfAny(List<String> keyFindings) {
        if (errors.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        keyFindings.stream().filter(KnownKeys::isUnknownKey).forEach(lines::add);
        keyFindings.stream().filter(f -> !KnownKeys.isUnknownKey(f)).forEach(lines::add);
        lines.addAll(errors);
        throw new ConfigException(lines);
    }
}
