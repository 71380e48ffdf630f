package dev.portcullis.monitoring;

import dev.portcullis.monitoring.Promql.Token;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongFunction;
import java.util.regex.Pattern;

/**
 * Evaluates the PromQL the dashboard uses over a {@link Recording}, with Prometheus's semantics: instant selectors
 * with =, !=, =~, !~ and a 5 minute lookback that honours staleness; rate() and increase() over a range with
 * counter resets and Prometheus's extrapolation to the range's edges; sum, min, max and avg with by (...);
 * histogram_quantile() with Prometheus's linear interpolation inside a bucket; + - * / between scalars and vectors
 * (one-to-one matching on all labels); and time(). An expression is first checked by {@link Promql}; anything
 * valid but outside this subset is an {@link UnsupportedOperationException}, never a silent empty answer.
 */
public final class PromqlEvaluator {

    /** One element of an instant vector. */
    public record Element(Map<String, String> labels, double value) {
    }

    /** A query's answer: a scalar, or an instant vector (scalar is NaN then). */
    public record Result(double scalar, List<Element> vector) {
        static Result scalar(double v) {
            return new Result(v, null);
        }

        static Result vector(List<Element> v) {
            return new Result(Double.NaN, v);
        }

        public boolean isScalar() {
            return vector == null;
        }
    }

    private interface Node {
        Result at(long millis);
    }

    static final long LOOKBACK_MILLIS = 5 * 60_000;
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg");
    private static final Map<String, DoubleBinaryOperator> ARITHMETIC = Map.of(
            "+", (a, b) -> a + b, "-", (a, b) -> a - b, "*", (a, b) -> a * b, "/", (a, b) -> a / b);

    private final Recording recording;
    private final String source;
    private final List<Token> tokens;
    private int next;

    private PromqlEvaluator(Recording recording, String source) {
        this.recording = recording;
        this.source = source;
        this.tokens = Promql.tokens(source);
    }

    /** {@code expression} evaluated at {@code millis} over {@code recording}. */
    public static Result evaluate(Recording recording, String expression, long millis) {
        return compile(recording, expression).at(millis);
    }

    /** A query compiled once and evaluated at many instants (a panel's time axis). */
    public static LongFunction<Result> query(Recording recording, String expression) {
        return compile(recording, expression)::at;
    }

    private static Node compile(Recording recording, String expression) {
        Promql.metricNames(expression);
        PromqlEvaluator e = new PromqlEvaluator(recording, expression);
        Node n = e.expression(0);
        if (!e.peek().kind().equals("end")) {
            throw e.unsupported(e.peek(), "'" + e.peek().text() + "'");
        }
        return n;
    }

    // + - bind looser than * /; both left-associative
    private static final List<Set<String>> LEVELS = List.of(Set.of("+", "-"), Set.of("*", "/"));

    private Node expression(int level) {
        if (level == LEVELS.size()) {
            return unary();
        }
        Node left = expression(level + 1);
        while (true) {
            Token op = peek();
            if (op.kind().equals("op") && LEVELS.get(level).contains(op.text())) {
                take();
                Token modifier = peek();
                if (modifier.kind().equals("ident") && Set.of("on", "ignoring", "group_left", "group_right", "bool")
                        .contains(modifier.text().toLowerCase())) {
                    throw unsupported(modifier, "vector matching modifier " + modifier.text());
                }
                left = binary(op.text(), left, expression(level + 1));
            } else if (isOperatorOutsideSubset(op)) {
                throw unsupported(op, "operator " + op.text());
            } else {
                return left;
            }
        }
    }

    private static boolean isOperatorOutsideSubset(Token t) {
        return t.kind().equals("op") && Set.of("%", "^", "==", "!=", "<", "<=", ">", ">=").contains(t.text())
                || t.kind().equals("ident") && Set.of("and", "or", "unless", "atan2").contains(t.text().toLowerCase());
    }

    private Node binary(String operator, Node left, Node right) {
        DoubleBinaryOperator f = ARITHMETIC.get(operator);
        return millis -> {
            Result l = left.at(millis);
            Result r = right.at(millis);
            if (l.isScalar() && r.isScalar()) {
                return Result.scalar(f.applyAsDouble(l.scalar(), r.scalar()));
            }
            if (l.isScalar() || r.isScalar()) {
                List<Element> out = new ArrayList<>();
                for (Element e : l.isScalar() ? r.vector() : l.vector()) {
                    double v = l.isScalar() ? f.applyAsDouble(l.scalar(), e.value()) : f.applyAsDouble(e.value(), r.scalar());
                    out.add(new Element(withoutName(e.labels()), v));
                }
                return Result.vector(out);
            }
            Map<Map<String, String>, Element> rightBySignature = new LinkedHashMap<>();
            for (Element e : r.vector()) {
                if (rightBySignature.put(withoutName(e.labels()), e) != null) {
                    throw new IllegalStateException("many-to-many matching: duplicate series " + e.labels()
                            + " on the right-hand side of " + operator + " in: " + source);
                }
            }
            List<Element> out = new ArrayList<>();
            for (Element e : l.vector()) {
                Map<String, String> signature = withoutName(e.labels());
                Element match = rightBySignature.get(signature);
                if (match != null) {
                    out.add(new Element(signature, f.applyAsDouble(e.value(), match.value())));
                }
            }
            return Result.vector(out);
        };
    }

    private Node unary() {
        if (peek().text().equals("-") && peek().kind().equals("op")) {
            take();
            Node inner = unary();
            return binary("*", millis -> Result.scalar(-1), inner);
        }
        return primary();
    }

    private Node primary() {
        Token t = take();
        if (t.kind().equals("number")) {
            double v = t.text().startsWith("0x") || t.text().startsWith("0X") ? Long.parseLong(t.text().substring(2), 16)
                    : Double.parseDouble(t.text());
            return millis -> Result.scalar(v);
        }
        if (t.text().equals("(") && t.kind().equals("op")) {
            Node inner = expression(0);
            expect(")");
            return inner;
        }
        if (t.kind().equals("ident")) {
            if (AGGREGATIONS.contains(t.text())) {
                return aggregation(t);
            }
            if (peek().text().equals("(")) {
                return function(t);
            }
            Node selector = instantSelector(t);
            if (peek().text().equals("[") || peek().text().equalsIgnoreCase("offset")) {
                throw unsupported(peek(), "a range or offset outside rate() and increase()");
            }
            return selector;
        }
        throw unsupported(t, "'" + t.text() + "'");
    }

    private Node aggregation(Token name) {
        List<String> by = grouping(name);
        expect("(");
        Node inner = expression(0);
        expect(")");
        if (by == null) {
            by = grouping(name);
        }
        List<String> groupBy = by == null ? List.of() : by;
        return millis -> {
            Result r = inner.at(millis);
            if (r.isScalar()) {
                throw new IllegalStateException(name.text() + "() of a scalar in: " + source);
            }
            Map<Map<String, String>, List<Double>> groups = new LinkedHashMap<>();
            for (Element e : r.vector()) {
                Map<String, String> key = new TreeMap<>();
                for (String label : groupBy) {
                    String v = e.labels().get(label);
                    if (v != null && !v.isEmpty()) {
                        key.put(label, v);
                    }
                }
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(e.value());
            }
            List<Element> out = new ArrayList<>();
            groups.forEach((key, values) -> out.add(new Element(key, aggregate(name.text(), values))));
            return Result.vector(out);
        };
    }

    private static double aggregate(String operation, List<Double> values) {
        return switch (operation) {
            case "sum" -> values.stream().mapToDouble(Double::doubleValue).sum();
            case "avg" -> values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
            // Prometheus's min/max skip NaN unless every value is NaN
            case "min" -> values.stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
            case "max" -> values.stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            default -> throw new IllegalArgumentException(operation);
        };
    }

    /** The labels of by (...), null when there is no grouping here; without (...) is outside the subset. */
    private List<String> grouping(Token aggregation) {
        Token t = peek();
        if (t.kind().equals("ident") && t.text().equalsIgnoreCase("without")) {
            throw unsupported(t, aggregation.text() + " without (...)");
        }
        if (!(t.kind().equals("ident") && t.text().equalsIgnoreCase("by"))) {
            return null;
        }
        take();
        expect("(");
        List<String> labels = new ArrayList<>();
        while (!peek().text().equals(")")) {
            labels.add(take().text());
            if (peek().text().equals(",")) {
                take();
            }
        }
        expect(")");
        return labels;
    }

    private Node function(Token name) {
        expect("(");
        Node n = switch (name.text()) {
            case "rate", "increase" -> counterFunction(name.text().equals("rate"));
            case "histogram_quantile" -> {
                Node quantile = expression(0);
                expect(",");
                Node buckets = expression(0);
                yield millis -> histogramQuantile(quantile.at(millis).scalar(), buckets.at(millis).vector());
            }
            case "time" -> millis -> Result.scalar(millis / 1000.0);
            default -> throw unsupported(name, "function " + name.text() + "()");
        };
        expect(")");
        return n;
    }

    private Node counterFunction(boolean isRate) {
        Token name = take();
        if (!name.kind().equals("ident")) {
            throw unsupported(name, "a range vector other than a metric selector");
        }
        List<Map.Entry<String, Pattern>> matchers = new ArrayList<>();
        List<Map.Entry<String, String>> kinds = new ArrayList<>();
        parseMatchers(name, matchers, kinds);
        expect("[");
        long rangeMillis = durationMillis(take());
        expect("]");
        if (peek().text().equalsIgnoreCase("offset") || peek().text().equals("@")) {
            throw unsupported(peek(), "offset or @ modifier");
        }
        return millis -> {
            List<Element> out = new ArrayList<>();
            recording.series().forEach((labels, points) -> {
                if (!matches(labels, matchers, kinds)) {
                    return;
                }
                List<Recording.Point> window = points.stream()
                        .filter(p -> !p.stale() && p.millis() > millis - rangeMillis && p.millis() <= millis).toList();
                double v = extrapolatedRate(window, millis - rangeMillis, millis, isRate);
                if (window.size() >= 2) {
                    out.add(new Element(withoutName(labels), v));
                }
            });
            return Result.vector(out);
        };
    }

    /**
     * Prometheus's extrapolatedRate (promql/functions.go) for counters: the increase over the samples in the window,
     * corrected for resets, extrapolated to the window's edges when the first and last samples are within 1.1
     * average intervals of them (else by half an interval), and never extrapolated below zero. NaN with fewer than
     * two samples (Prometheus returns no element then).
     */
    static double extrapolatedRate(List<Recording.Point> window, long rangeStart, long rangeEnd, boolean isRate) {
        if (window.size() < 2) {
            return Double.NaN;
        }
        Recording.Point first = window.get(0);
        Recording.Point last = window.get(window.size() - 1);
        double result = last.value() - first.value();
        for (int i = 1; i < window.size(); i++) {
            if (window.get(i).value() < window.get(i - 1).value()) {
                result += window.get(i - 1).value();
            }
        }
        double durationToStart = (first.millis() - rangeStart) / 1000.0;
        double durationToEnd = (rangeEnd - last.millis()) / 1000.0;
        double sampledInterval = (last.millis() - first.millis()) / 1000.0;
        double averageBetweenSamples = sampledInterval / (window.size() - 1);
        double threshold = averageBetweenSamples * 1.1;
        if (durationToStart >= threshold) {
            durationToStart = averageBetweenSamples / 2;
        }
        if (result > 0 && first.value() >= 0) {
            double durationToZero = sampledInterval * (first.value() / result);
            durationToStart = Math.min(durationToStart, durationToZero);
        }
        if (durationToEnd >= threshold) {
            durationToEnd = averageBetweenSamples / 2;
        }
        double factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        if (isRate) {
            factor /= (rangeEnd - rangeStart) / 1000.0;
        }
        return result * factor;
    }

    /** Prometheus's bucketQuantile (promql/quantile.go) for classic histograms, per series without {@code le}. */
    private Result histogramQuantile(double q, List<Element> buckets) {
        if (buckets == null) {
            throw new IllegalStateException("histogram_quantile() of a scalar in: " + source);
        }
        Map<Map<String, String>, List<double[]>> bySeries = new LinkedHashMap<>();
        for (Element e : buckets) {
            String le = e.labels().get("le");
            if (le == null) {
                continue; // Prometheus ignores elements without le
            }
            Map<String, String> key = new TreeMap<>(withoutName(e.labels()));
            key.remove("le");
            bySeries.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {PrometheusText.value(le), e.value()});
        }
        List<Element> out = new ArrayList<>();
        bySeries.forEach((labels, b) -> out.add(new Element(labels, bucketQuantile(q, b))));
        return Result.vector(out);
    }

    /** {@code buckets}: pairs of (upper bound, cumulative count). */
    static double bucketQuantile(double q, List<double[]> buckets) {
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        List<double[]> sorted = new ArrayList<>(buckets);
        sorted.sort(Comparator.comparingDouble(b -> b[0]));
        if (sorted.size() < 2 || sorted.get(sorted.size() - 1)[0] != Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        // counts must not decrease with the bound (rates of separately scraped buckets may jitter); Prometheus fixes so
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i)[1] < sorted.get(i - 1)[1]) {
                sorted.get(i)[1] = sorted.get(i - 1)[1];
            }
        }
        double observations = sorted.get(sorted.size() - 1)[1];
        if (observations == 0 || Double.isNaN(observations)) {
            return Double.NaN;
        }
        double rank = q * observations;
        int b = 0;
        while (b < sorted.size() - 1 && sorted.get(b)[1] < rank) {
            b++;
        }
        if (b == sorted.size() - 1) {
            return sorted.get(sorted.size() - 2)[0];
        }
        if (b == 0 && sorted.get(0)[0] <= 0) {
            return sorted.get(0)[0];
        }
        double bucketStart = 0;
        double bucketEnd = sorted.get(b)[0];
        double count = sorted.get(b)[1];
        if (b > 0) {
            bucketStart = sorted.get(b - 1)[0];
            count -= sorted.get(b - 1)[1];
            rank -= sorted.get(b - 1)[1];
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }

    /** {@code name{...}}: at each instant, the latest non-stale sample within the lookback of every match. */
    private Node instantSelector(Token name) {
        List<Map.Entry<String, Pattern>> matchers = new ArrayList<>();
        List<Map.Entry<String, String>> kinds = new ArrayList<>();
        parseMatchers(name, matchers, kinds);
        return millis -> {
            List<Element> out = new ArrayList<>();
            recording.series().forEach((labels, points) -> {
                if (!matches(labels, matchers, kinds)) {
                    return;
                }
                Recording.Point latest = null;
                for (Recording.Point p : points) {
                    if (p.millis() > millis) {
                        break;
                    }
                    latest = p;
                }
                if (latest != null && !latest.stale() && latest.millis() > millis - LOOKBACK_MILLIS) {
                    out.add(new Element(labels, latest.value()));
                }
            });
            return Result.vector(out);
        };
    }

    /** Reads {@code name{label op "value", ...}} into one pattern and one operator a matcher. */
    private void parseMatchers(Token name, List<Map.Entry<String, Pattern>> matchers,
            List<Map.Entry<String, String>> kinds) {
        if (name.kind().equals("ident")) {
            matchers.add(Map.entry("__name__", Pattern.compile(Pattern.quote(name.text()))));
            kinds.add(Map.entry("__name__", "="));
        } else {
            throw unsupported(name, "'" + name.text() + "'");
        }
        if (peek().text().equals("{")) {
            take();
            while (!peek().text().equals("}")) {
                String label = take().text();
                String op = take().text();
                String value = Promql.unquote(take().text());
                matchers.add(Map.entry(label, op.endsWith("~") ? Pattern.compile(value) : Pattern.compile(Pattern.quote(value))));
                kinds.add(Map.entry(label, op));
                if (peek().text().equals(",")) {
                    take();
                }
            }
            expect("}");
        }
    }

    private static boolean matches(Map<String, String> labels, List<Map.Entry<String, Pattern>> matchers,
            List<Map.Entry<String, String>> kinds) {
        for (int i = 0; i < matchers.size(); i++) {
            String value = labels.getOrDefault(matchers.get(i).getKey(), "");
            boolean hit = matchers.get(i).getValue().matcher(value).matches();
            boolean negated = kinds.get(i).getValue().startsWith("!");
            if (hit == negated) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> withoutName(Map<String, String> labels) {
        Map<String, String> out = new TreeMap<>(labels);
        out.remove("__name__");
        return out;
    }

    static long durationMillis(Token t) {
        if (!t.kind().equals("duration")) {
            throw new IllegalArgumentException("duration expected, got '" + t.text() + "'");
        }
        long total = 0;
        var m = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)").matcher(t.text());
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total += n * switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                case "w" -> 7 * 86_400_000L;
                default -> 365 * 86_400_000L;
            };
        }
        return total;
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

    private void expect(String text) {
        Token t = take();
        if (!t.text().equals(text)) {
            throw unsupported(t, "'" + t.text() + "' where '" + text + "' was expected");
        }
    }

    private UnsupportedOperationException unsupported(Token t, String what) {
        return new UnsupportedOperationException(what + " at " + (t.at() + 1) + " is outside the subset"
                + " PromqlEvaluator evaluates, in: " + source);
    }
}
