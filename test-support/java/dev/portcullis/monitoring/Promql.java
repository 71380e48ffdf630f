package dev.portcullis.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A strict PromQL parser and type checker for the expressions of the monitoring bundle (alerts and dashboard). No
 * PromQL parser is published to Maven Central in a form that resolves here, and Prometheus's promtool is not
 * installed, so this follows Prometheus's grammar (promql/parser/generated_parser.y) for what the bundle may use:
 * selectors with label matchers, range and subquery selectors, offset, unary and binary operators with their
 * precedence, bool, on/ignoring/group_left/group_right, aggregations with by/without and the functions listed below,
 * with each function's argument types (a rate over an instant vector, an unknown function or an unbalanced bracket
 * is an error, as it is for Prometheus). It returns the metric names an expression reads.
 */
public final class Promql {

    /** Value types, as Prometheus types expressions. */
    enum Type { SCALAR, VECTOR, MATRIX, STRING }

    private record Signature(List<Type> args, int optional, Type returns) {}

    private static final Map<String, Signature> FUNCTIONS = Map.ofEntries(
            fn("abs", Type.VECTOR, 0, Type.VECTOR),
            fn("absent", Type.VECTOR, 0, Type.VECTOR),
            fn("absent_over_time", Type.MATRIX, 0, Type.VECTOR),
            fn("avg_over_time", Type.MATRIX, 0, Type.VECTOR),
            fn("ceil", Type.VECTOR, 0, Type.VECTOR),
            fn("changes", Type.MATRIX, 0, Type.VECTOR),
            Map.entry("clamp_max", new Signature(List.of(Type.VECTOR, Type.SCALAR), 0, Type.VECTOR)),
            Map.entry("clamp_min", new Signature(List.of(Type.VECTOR, Type.SCALAR), 0, Type.VECTOR)),
            fn("count_over_time", Type.MATRIX, 0, Type.VECTOR),
            fn("delta", Type.MATRIX, 0, Type.VECTOR),
            fn("deriv", Type.MATRIX, 0, Type.VECTOR),
            fn("floor", Type.VECTOR, 0, Type.VECTOR),
            Map.entry("histogram_quantile", new Signature(List.of(Type.SCALAR, Type.VECTOR), 0, Type.VECTOR)),
            fn("idelta", Type.MATRIX, 0, Type.VECTOR),
            fn("increase", Type.MATRIX, 0, Type.VECTOR),
            fn("irate", Type.MATRIX, 0, Type.VECTOR),
            fn("last_over_time", Type.MATRIX, 0, Type.VECTOR),
            fn("max_over_time", Type.MATRIX, 0, Type.VECTOR),
            fn("min_over_time", Type.MATRIX, 0, Type.VECTOR),
            Map.entry("predict_linear", new Signature(List.of(Type.MATRIX, Type.SCALAR), 0, Type.VECTOR)),
            fn("rate", Type.MATRIX, 0, Type.VECTOR),
            fn("resets", Type.MATRIX, 0, Type.VECTOR),
            Map.entry("round", new Signature(List.of(Type.VECTOR, Type.SCALAR), 1, Type.VECTOR)),
            fn("scalar", Type.VECTOR, 0, Type.SCALAR),
            fn("sum_over_time", Type.MATRIX, 0, Type.VECTOR),
            Map.entry("time", new Signature(List.of(), 0, Type.SCALAR)),
            fn("timestamp", Type.VECTOR, 0, Type.VECTOR),
            Map.entry("vector", new Signature(List.of(Type.SCALAR), 0, Type.VECTOR)));

    private static Map.Entry<String, Signature> fn(String name, Type arg, int optional, Type returns) {
        return Map.entry(name, new Signature(List.of(arg), optional, returns));
    }

    /** Aggregations; those with a parameter take it first (topk(3, x), quantile(0.9, x), count_values("l", x)). */
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile");
    private static final Map<String, Type> AGGREGATION_PARAMETER = Map.of("bottomk", Type.SCALAR, "topk", Type.SCALAR,
            "quantile", Type.SCALAR, "count_values", Type.STRING);

    private static final Pattern TOKEN = Pattern.compile("\\s*(?:"
            + "(?<duration>(?:\\d+(?:ms|s|m|h|d|w|y))+)(?![\\w.])"
            + "|(?<number>0[xX][0-9a-fA-F]+|(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)"
            + "|(?<ident>[a-zA-Z_][a-zA-Z0-9_:]*)"
            + "|(?<string>\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`)"
            + "|(?<op>==|!=|=~|!~|<=|>=|[-+*/%^<>(){}\\[\\],:=@])"
            + ")");

    /** A token: its kind (duration, number, ident, string, op or end), its text and where it starts. */
    record Token(String kind, String text, int at) {}

    private final String source;
    private final List<Token> tokens = new ArrayList<>();
    private final Set<String> metrics = new LinkedHashSet<>();
    private int next;
    /** Whether the primary just parsed is a plain selector, the only thing a range [5m] may follow. */
    private boolean lastWasSelector;

    private Promql(String source) {
        this.source = source;
        Matcher m = TOKEN.matcher(source);
        int at = 0;
        while (at < source.length()) {
            if (source.substring(at).isBlank()) {
                break;
            }
            if (!m.find(at) || m.start() != at) {
                throw error(at, "unexpected character '" + source.charAt(skipBlanks(at)) + "'");
            }
            for (String kind : List.of("duration", "number", "ident", "string", "op")) {
                if (m.group(kind) != null) {
                    tokens.add(new Token(kind, m.group(kind), m.start(kind)));
                    break;
                }
            }
            at = m.end();
        }
        tokens.add(new Token("end", "", source.length()));
    }

    /** The tokens of {@code expression}, ending with an "end" token: what PromqlEvaluator reads. */
    static List<Token> tokens(String expression) {
        return List.copyOf(new Promql(expression).tokens);
    }

    private int skipBlanks(int at) {
        while (at < source.length() && Character.isWhitespace(source.charAt(at))) {
            at++;
        }
        return Math.min(at, source.length() - 1);
    }

    /** The metric names {@code expression} reads; an {@link IllegalArgumentException} saying where it is wrong. */
    public static Set<String> metricNames(String expression) {
        Promql p = new Promql(expression);
        Type type = p.expression(0);
        if (!p.peek().kind().equals("end")) {
            throw p.error(p.peek().at(), "unexpected '" + p.peek().text() + "'");
        }
        if (type == Type.STRING) {
            throw p.error(0, "a string is not a query result");
        }
        return p.metrics;
    }

    // binary operators by precedence, lowest first; ^ is right-associative
    private static final List<Set<String>> LEVELS = List.of(Set.of("or"), Set.of("and", "unless"),
            Set.of("==", "!=", "<=", "<", ">=", ">"), Set.of("+", "-"), Set.of("*", "/", "%", "atan2"), Set.of("^"));
    private static final Set<String> COMPARISONS = LEVELS.get(2);
    private static final Set<String> SET_OPERATORS = Set.of("or", "and", "unless");

    private Type expression(int level) {
        if (level == LEVELS.size()) {
            return unary();
        }
        Type left = expression(level + 1);
        while (LEVELS.get(level).contains(lower(peek()))) {
            Token op = take();
            String operator = lower(op);
            boolean bool = false;
            if (lower(peek()).equals("bool")) {
                if (!COMPARISONS.contains(operator)) {
                    throw error(peek().at(), "bool modifier on " + operator);
                }
                take();
                bool = true;
            }
            boolean matching = vectorMatching();
            Type right = level == LEVELS.size() - 1 ? expression(level) : expression(level + 1);
            left = binary(op, left, right, bool, matching);
            if (level == LEVELS.size() - 1) {
                break;
            }
        }
        return left;
    }

    private Type binary(Token op, Type left, Type right, boolean bool, boolean matching) {
        String operator = lower(op);
        for (Type t : List.of(left, right)) {
            if (t == Type.MATRIX || t == Type.STRING) {
                throw error(op.at(), "operator " + operator + " on a " + t.name().toLowerCase(Locale.ROOT)
                        + " (a range vector needs a function such as rate() first)");
            }
        }
        if (SET_OPERATORS.contains(operator) && (left != Type.VECTOR || right != Type.VECTOR)) {
            throw error(op.at(), operator + " needs instant vectors on both sides");
        }
        if (matching && (left != Type.VECTOR || right != Type.VECTOR)) {
            throw error(op.at(), "vector matching needs instant vectors on both sides");
        }
        if (COMPARISONS.contains(operator) && left == Type.SCALAR && right == Type.SCALAR && !bool) {
            throw error(op.at(), "comparisons between scalars must use bool");
        }
        return left == Type.VECTOR || right == Type.VECTOR ? Type.VECTOR : Type.SCALAR;
    }

    private boolean vectorMatching() {
        boolean any = false;
        if (Set.of("on", "ignoring").contains(lower(peek()))) {
            take();
            labelList();
            any = true;
        }
        if (Set.of("group_left", "group_right").contains(lower(peek()))) {
            if (!any) {
                throw error(peek().at(), lower(peek()) + " without on() or ignoring()");
            }
            take();
            if (peek().text().equals("(")) {
                labelList();
            }
        }
        return any;
    }

    private Type unary() {
        if (peek().text().equals("-") || peek().text().equals("+")) {
            Token sign = take();
            Type t = unary();
            if (t != Type.SCALAR && t != Type.VECTOR) {
                throw error(sign.at(), "unary " + sign.text() + " on a " + t.name().toLowerCase(Locale.ROOT));
            }
            return t;
        }
        return postfix(primary());
    }

    private Type postfix(Type type) {
        while (true) {
            if (peek().text().equals("[")) {
                Token open = take();
                duration();
                if (peek().text().equals(":")) {
                    take();
                    if (type != Type.VECTOR) {
                        throw error(open.at(), "subquery on a " + type.name().toLowerCase(Locale.ROOT));
                    }
                    if (peek().kind().equals("duration")) {
                        take();
                    }
                } else if (type != Type.VECTOR || !lastWasSelector) {
                    throw error(open.at(), "a range [..] applies to a metric selector only (use a subquery [range:step])");
                }
                expect("]");
                type = Type.MATRIX;
                lastWasSelector = false;
            } else if (lower(peek()).equals("offset")) {
                take();
                if (peek().text().equals("-")) {
                    take();
                }
                duration();
            } else {
                return type;
            }
        }
    }

    private Type primary() {
        lastWasSelector = false;
        Token t = peek();
        switch (t.kind()) {
            case "number" -> {
                take();
                return Type.SCALAR;
            }
            case "string" -> {
                take();
                return Type.STRING;
            }
            case "ident" -> {
                return identifier();
            }
            case "op" -> {
                if (t.text().equals("(")) {
                    take();
                    Type inner = expression(0);
                    expect(")");
                    lastWasSelector = false;
                    return inner;
                }
                if (t.text().equals("{")) {
                    selector(null, t);
                    return Type.VECTOR;
                }
            }
            default -> { }
        }
        throw error(t.at(), t.kind().equals("end") ? "expression ends too early" : "unexpected '" + t.text() + "'");
    }

    private Type identifier() {
        Token name = take();
        String lowered = name.text().toLowerCase(Locale.ROOT);
        if (lowered.equals("inf") || lowered.equals("nan")) {
            return Type.SCALAR;
        }
        if (AGGREGATIONS.contains(name.text())) {
            Type t = aggregation(name);
            lastWasSelector = false;
            return t;
        }
        if (peek().text().equals("(")) {
            Type t = call(name);
            lastWasSelector = false;
            return t;
        }
        if (Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or",
                "unless").contains(lowered)) {
            throw error(name.at(), "keyword '" + name.text() + "' where a value was expected");
        }
        selector(name.text(), name);
        return Type.VECTOR;
    }

    private Type aggregation(Token name) {
        boolean grouped = grouping();
        expect("(");
        Type parameter = AGGREGATION_PARAMETER.get(name.text());
        if (parameter != null) {
            argument(name, parameter);
            expect(",");
        }
        argument(name, Type.VECTOR);
        expect(")");
        if (!grouped) {
            grouping();
        }
        return Type.VECTOR;
    }

    private boolean grouping() {
        if (Set.of("by", "without").contains(lower(peek()))) {
            take();
            labelList();
            return true;
        }
        return false;
    }

    private Type call(Token name) {
        Signature s = FUNCTIONS.get(name.text());
        if (s == null) {
            throw error(name.at(), "unknown function " + name.text() + "()");
        }
        expect("(");
        int count = 0;
        if (!peek().text().equals(")")) {
            do {
                if (count >= s.args().size()) {
                    throw error(peek().at(), name.text() + "() takes at most " + s.args().size() + " arguments");
                }
                argument(name, s.args().get(count));
                count++;
            } while (accept(","));
        }
        if (count < s.args().size() - s.optional()) {
            throw error(name.at(), name.text() + "() needs " + (s.args().size() - s.optional()) + " arguments, got "
                    + count);
        }
        expect(")");
        return s.returns();
    }

    private void argument(Token function, Type wanted) {
        Token at = peek();
        Type got = expression(0);
        if (got != wanted) {
            throw error(at.at(), function.text() + "() expects a " + name(wanted) + " here, got a " + name(got));
        }
    }

    private static String name(Type t) {
        return switch (t) {
            case SCALAR -> "scalar";
            case VECTOR -> "instant vector";
            case MATRIX -> "range vector";
            case STRING -> "string";
        };
    }

    private void selector(String metric, Token at) {
        boolean matchesSomething = metric != null;
        if (metric != null) {
            metrics.add(metric);
        }
        if (accept("{")) {
            while (!peek().text().equals("}")) {
                Token label = take();
                if (!label.kind().equals("ident") || label.text().contains(":")) {
                    throw error(label.at(), "label name expected, got '" + label.text() + "'");
                }
                Token op = take();
                if (!Set.of("=", "!=", "=~", "!~").contains(op.text())) {
                    throw error(op.at(), "label matcher operator expected after " + label.text());
                }
                Token value = take();
                if (!value.kind().equals("string")) {
                    throw error(value.at(), "the value of a label matcher must be a quoted string");
                }
                String text = unquote(value.text());
                if (op.text().endsWith("~")) {
                    try {
                        Pattern.compile(text);
                    } catch (PatternSyntaxException e) {
                        throw error(value.at(), "bad regular expression: " + e.getDescription());
                    }
                }
                if (label.text().equals("__name__") && op.text().equals("=")) {
                    metrics.add(text);
                }
                boolean emptyMatch = op.text().equals("=") ? text.isEmpty()
                        : op.text().equals("=~") && Pattern.matches(text, "")
                        || op.text().equals("!=") && !text.isEmpty() || op.text().equals("!~") && !Pattern.matches(text, "");
                matchesSomething |= !emptyMatch;
                if (!accept(",")) {
                    break;
                }
            }
            expect("}");
        }
        if (!matchesSomething) {
            throw error(at.at(), "a selector needs a metric name or a matcher that does not match the empty string");
        }
        lastWasSelector = true;
    }

    private void labelList() {
        expect("(");
        while (!peek().text().equals(")")) {
            Token label = take();
            if (!label.kind().equals("ident") || label.text().contains(":")) {
                throw error(label.at(), "label name expected, got '" + label.text() + "'");
            }
            if (!accept(",")) {
                break;
            }
        }
        expect(")");
    }

    private void duration() {
        Token d = take();
        if (!d.kind().equals("duration")) {
            throw error(d.at(), "duration expected (such as 5m), got '" + d.text() + "'");
        }
    }

    static String unquote(String quoted) {
        String inner = quoted.substring(1, quoted.length() - 1);
        return quoted.startsWith("`") ? inner : inner.replaceAll("\\\\(.)", "$1");
    }

    private static String lower(Token t) {
        return t.kind().equals("ident") || t.kind().equals("op") ? t.text().toLowerCase(Locale.ROOT) : "";
    }

    private Token peek() {
        return tokens.get(next);
    }

    private Token take() {
        Token t = tokens.get(next);
        if (!t.kind().equals("end")) {
            next++;
        }
        return t;
    }

    private boolean accept(String text) {
        if (peek().text().equals(text) && !peek().kind().equals("string")) {
            next++;
            return true;
        }
        return false;
    }

    private void expect(String text) {
        if (!accept(text)) {
            Token t = peek();
            throw error(t.at(), "'" + text + "' expected, got " + (t.kind().equals("end") ? "the end" : "'" + t.text() + "'"));
        }
    }

    private IllegalArgumentException error(int at, String message) {
        return new IllegalArgumentException(message + " at " + (at + 1) + " in: " + source);
    }
}
