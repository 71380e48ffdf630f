package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.ConfigTree;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code http.body.*}: defaults, and one clear line naming the key for a bad value. */
class BodyLimitsTest {
    private static BodyLimits parse(String body) {
        return BodyLimits.from(ConfigTree.parse("version: 0.1\nhttp:\n  body:\n" + body, "test"));
    }

    @Test
    void defaults() {
        BodyLimits d = BodyLimits.from(ConfigTree.parse("version: 0.1\n", "test"));
        assertEquals(new BodyLimits(Duration.ofSeconds(30), 1024, 16, 32), d);
        assertEquals(30 * 1024, d.minBytesPerWindow());
    }

    @Test
    void values() {
        assertEquals(new BodyLimits(Duration.ofSeconds(10), 0, 4, 8),
                parse("    idletimeout: 10s\n    minrate: 0\n    maxconcurrent: 8\n    maxperclient: 4\n"));
    }

    @Test
    void badValuesNameTheirKey() {
        assertTrue(assertThrows(ConfigException.class, () -> parse("    idletimeout: 0s\n")).getMessage()
                .startsWith("http.body.idletimeout: "));
        assertTrue(assertThrows(ConfigException.class, () -> parse("    maxconcurrent: 4\n    maxperclient: 8\n"))
                .getMessage().startsWith("http.body.maxperclient: "));
        assertTrue(assertThrows(ConfigException.class, () -> parse("    minrate: -1\n")).getMessage()
                .startsWith("http.body.minrate: "));
    }
}
