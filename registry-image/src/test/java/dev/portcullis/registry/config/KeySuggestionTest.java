package dev.portcullis.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeySuggestionTest {
    @Test
    void aSwapOfNeighbouringLettersIsOneEdit() {
        assertEquals(1, KeySuggestion.distance("htpp.addr", "http.addr"));
        assertEquals(1, KeySuggestion.distance("http.tls.certficate", "http.tls.certificate"));
        assertEquals(3, KeySuggestion.distance("kitten", "sitting"));
        assertEquals(0, KeySuggestion.distance("", ""));
    }

    @Test
    void suggestsOnlyWhatIsCloseEnoughToBeATypo() {
        List<String> known = List.of("http.addr", "http.host", "log.level", "storage.delete.enabled");
        assertEquals(Optional.of("http.addr"), KeySuggestion.closest("htpp.addr", known));
        assertEquals(Optional.of("storage.delete.enabled"), KeySuggestion.closest("storage.delete.enbaled", known));
        assertEquals(Optional.of("log.level"), KeySuggestion.closest("LOG.level", known));
        assertEquals(Optional.empty(), KeySuggestion.closest("catalog.maxentries", known));
        assertEquals(Optional.empty(), KeySuggestion.closest("x", List.of("abc")));
    }

    @Test
    void spelledOutKeysExpandTheKeyPatterns() {
        assertEquals(List.of("http.tls.certificate", "http.tls.key"), SpelledOutKeys.of("http\\.tls\\.(certificate|key)"));
        assertEquals(List.of("log.level", "log.accesslog.disabled"), SpelledOutKeys.of("log\\.(level|accesslog\\.disabled)"));
        assertEquals(List.of("log.fields"), SpelledOutKeys.of("log\\.fields(\\..+)?"));
        assertEquals(List.of("notifications", "notifications.events"), SpelledOutKeys.of("notifications(\\.events)?"));
        assertEquals(List.of(), SpelledOutKeys.of("storage\\.s3\\..+"));
        assertEquals(List.of(), SpelledOutKeys.of("http\\.(addr|host"), "beyond the syntax: no suggestions, no failure");
    }
}
