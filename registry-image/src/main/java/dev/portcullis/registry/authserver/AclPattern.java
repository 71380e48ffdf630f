package dev.portcullis.registry.authserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One field of an ACL rule's {@code match}, with docker_auth's semantics: a shell glob as Go's
 * {@code path.Match} reads it ({@code *} and {@code ?} never cross a '/', {@code [a-z]} and {@code [^a-z]}
 * classes, backslash escapes), or a regular expression when written {@code /like this/}. As in docker_auth a
 * regular expression is NOT anchored: {@code /alice/} also matches {@code malice}; write {@code /^alice$/}.
 * <p>
 * Placeholders {@code ${account}}, {@code ${name}}, {@code ${type}}, {@code ${service}} and {@code ${labels:NAME}}
 * are replaced by the request's values before matching. A label has several values: as in docker_auth the pattern
 * matches when one combination of the values of the labels it names matches, and never when a label it names is
 * absent. Unlike docker_auth they are inserted literally (quoted), so an account named
 * {@code a*} cannot turn {@code ${account}/*} into a wildcard over other users' namespaces.
 */
public final class AclPattern {
    static final Set<String> VARIABLES = Set.of("account", "name", "type", "service");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final String LABEL = "labels:";
    /** Label value combinations tried per match at most: a pattern naming many multi-valued labels denies beyond. */
    static final int MAX_COMBINATIONS = 4096;

    private final String source;
    private final boolean regex;
    private final String body;
    /** Compiled once when the pattern has no placeholder; else compiled per request. */
    private final Pattern fixed;
    /** The label names used as {@code ${labels:NAME}}, in order of first use. */
    private final List<String> labelNames;

    private AclPattern(String source, boolean regex, String body, Pattern fixed, List<String> labelNames) {
        this.source = source;
        this.regex = regex;
        this.body = body;
        this.fixed = fixed;
        this.labelNames = labelNames;
    }

    /** Compiles a pattern; IllegalArgumentException says what is wrong with it. */
    public static AclPattern compile(String source) {
        boolean regex = source.length() > 2 && source.startsWith("/") && source.endsWith("/");
        String body = regex ? source.substring(1, source.length() - 1) : source;
        Matcher m = PLACEHOLDER.matcher(body);
        boolean hasVars = false;
        List<String> labels = new ArrayList<>();
        while (m.find()) {
            String var = m.group(1);
            if (var.startsWith(LABEL) && var.length() > LABEL.length()) {
                if (!labels.contains(var.substring(LABEL.length()))) {
                    labels.add(var.substring(LABEL.length()));
                }
            } else if (!VARIABLES.contains(var)) {
                throw new IllegalArgumentException("unknown placeholder ${" + var
                        + "} (use ${account}, ${name}, ${type}, ${service} or ${labels:NAME})");
            }
            hasVars = true;
        }
        // Validate now with placeholders filled in, so a broken pattern is a start-up error, not a silent deny.
        Pattern probe = toRegex(regex, substitute(regex, body, Map.of("account", "x", "name", "x", "type", "x", "service", "x")));
        return new AclPattern(source, regex, body, hasVars ? null : probe, List.copyOf(labels));
    }

    public boolean matches(String value, Map<String, String> vars) {
        return matches(value, vars, Map.of());
    }

    /** {@code labels}: the account's labels, for {@code ${labels:NAME}}. */
    public boolean matches(String value, Map<String, String> vars, Map<String, List<String>> labels) {
        if (labelNames.isEmpty()) {
            return matchesWith(value, vars);
        }
        List<List<String>> choices = new ArrayList<>();
        long combinations = 1;
        for (String name : labelNames) {
            List<String> values = labels.getOrDefault(name, List.of());
            if (values.isEmpty()) {
                return false;
            }
            choices.add(values);
            combinations *= values.size();
            if (combinations > MAX_COMBINATIONS) {
                return false;
            }
        }
        int[] at = new int[choices.size()];
        Map<String, String> filled = new HashMap<>(vars);
        while (true) {
            for (int i = 0; i < at.length; i++) {
                filled.put(LABEL + labelNames.get(i), choices.get(i).get(at[i]));
            }
            if (matchesWith(value, filled)) {
                return true;
            }
            int i = 0;
            while (i < at.length && ++at[i] == choices.get(i).size()) {
                at[i++] = 0;
            }
            if (i == at.length) {
                return false;
            }
        }
    }

    private boolean matchesWith(String value, Map<String, String> vars) {
        Pattern p = fixed != null ? fixed : toRegex(regex, substitute(regex, body, vars));
        return regex ? p.matcher(value).find() : p.matcher(value).matches();
    }

    @Override
    public String toString() {
        return source;
    }

    private static String substitute(boolean regex, String body, Map<String, String> vars) {
        Matcher m = PLACEHOLDER.matcher(body);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = vars.getOrDefault(m.group(1), "");
            m.appendReplacement(sb, Matcher.quoteReplacement(regex ? Pattern.quote(v) : escapeGlob(v)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String escapeGlob(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (char c : v.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static Pattern toRegex(boolean regex, String body) {
        try {
            return regex ? Pattern.compile(body) : Pattern.compile(globToRegex(body));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regular expression: " + e.getDescription());
        }
    }

    /** Go's path.Match syntax to a java.util.regex pattern matched against the whole value. */
    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '\\' -> {
                    if (++i >= glob.length()) {
                        throw new IllegalArgumentException("bad glob: trailing backslash");
                    }
                    re.append(Pattern.quote(String.valueOf(glob.charAt(i))));
                }
                case '[' -> {
                    int end = i + 1;
                    StringBuilder cls = new StringBuilder("[");
                    if (end < glob.length() && glob.charAt(end) == '^') {
                        cls.append('^');
                        end++;
                    }
                    boolean any = false;
                    while (end < glob.length() && glob.charAt(end) != ']') {
                        char d = glob.charAt(end);
                        if (d == '\\') {
                            end++;
                            if (end >= glob.length()) {
                                throw new IllegalArgumentException("bad glob: unterminated character class");
                            }
                            d = glob.charAt(end);
                        }
                        if (d == '-' && any && end + 1 < glob.length() && glob.charAt(end + 1) != ']') {
                            cls.append('-');
                        } else {
                            cls.append(Character.isLetterOrDigit(d) ? String.valueOf(d) : "\\" + d);
                        }
                        any = true;
                        end++;
                    }
                    if (end >= glob.length() || !any) {
                        throw new IllegalArgumentException("bad glob: unterminated or empty character class");
                    }
                    // path.Match classes never match '/', negated or not.
                    re.append("(?!/)").append(cls).append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
