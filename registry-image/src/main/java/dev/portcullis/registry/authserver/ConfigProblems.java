package dev.portcullis.registry.authserver;

import java.util.ArrayList;
import java.util.List;

/**
 * Every mistake of one issuer configuration, gathered so that one start reports them all: each section is read on
 * its own, and a section's mistake does not hide another's.
 */
final class ConfigProblems {
    @FunctionalInterface
    interface Reader<T> {
        T read() throws ConfigException;
    }

    private final List<ConfigException> mistakes = new ArrayList<>();

    /** What {@code reader} returns, or null (and its mistake noted) when it cannot be read. */
    <T> T read(Reader<T> reader) {
        try {
            return reader.read();
        } catch (ConfigException e) {
            mistakes.add(e);
            return null;
        }
    }

    void add(ConfigException mistake) {
        mistakes.add(mistake);
    }

    void throwIfAny() throws ConfigException {
        if (!mistakes.isEmpty()) {
            throw ConfigException.all(mistakes);
        }
    }
}
