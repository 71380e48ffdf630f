package dev.portcullis.registry.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The literal keys a {@link KnownKeys} pattern matches, such as {@code http.tls.certificate} from
 * {@code http\.tls\.(certificate|key)}, so that a typo can be compared with real keys. Knows only the regex the key
 * list uses: escaped dots, groups of alternatives (optionally {@code ?}), and {@code .+}, an open end that no
 * literal spells out (a key that reaches one is left out).
 */
final class SpelledOutKeys {
    private static final String OPEN = "\u0000";

    private final String regex;
    private int pos;

    private SpelledOutKeys(String regex) {
        this.regex = regex;
    }

    /** The keys {@code regex} spells out; none for a pattern beyond this syntax (it then only misses suggestions). */
    static List<String> of(String regex) {
        SpelledOutKeys parser = new SpelledOutKeys(regex);
        try {
            List<String> all = parser.alternatives();
            if (parser.pos != regex.length()) {
                return List.of();
            }
            return all.stream().filter(k -> !k.contains(OPEN)).toList();
        } catch (IllegalArgumentException | IndexOutOfBoundsException unsupported) {
            return List.of();
        }
    }

    private List<String> alternatives() {
        List<String> out = new ArrayList<>(sequence());
        while (pos < regex.length() && regex.charAt(pos) == '|') {
            pos++;
            out.addAll(sequence());
        }
        return out;
    }

    private List<String> sequence() {
        List<String> out = new ArrayList<>(List.of(""));
        while (pos < regex.length() && regex.charAt(pos) != '|' && regex.charAt(pos) != ')') {
            List<String> next = item();
            List<String> joined = new ArrayList<>();
            for (String head : out) {
                for (String tail : next) {
                    joined.add(head + tail);
                }
            }
            out = joined;
        }
        return out;
    }

    private List<String> item() {
        char c = regex.charAt(pos++);
        if (c == '\\') {
            return List.of(String.valueOf(regex.charAt(pos++)));
        }
        if (c == '.') {
            if (pos < regex.length() && (regex.charAt(pos) == '+' || regex.charAt(pos) == '*')) {
                pos++;
            }
            return List.of(OPEN);
        }
        if (c == '(') {
            List<String> inner = alternatives();
            if (pos >= regex.length() || regex.charAt(pos) != ')') {
                throw new IllegalArgumentException("unsupported key pattern " + regex);
            }
            pos++;
            if (pos < regex.length() && regex.charAt(pos) == '?') {
                pos++;
                List<String> optional = new ArrayList<>(List.of(""));
                optional.addAll(inner);
                return optional;
            }
            return inner;
        }
        return List.of(String.valueOf(c));
    }
}
