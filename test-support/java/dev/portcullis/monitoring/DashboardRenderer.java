package dev.portcullis.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Draws a Grafana dashboard's panels (rows, timeseries as lines, stat and gauge as their last value) on Grafana's
 * 24-column grid with Java2D, each query evaluated by {@link PromqlEvaluator} over a {@link Recording} at every step
 * of the time axis. Grafana's variables are substituted as Grafana would for a Prometheus data source scraped every
 * {@code scrapeMillis}: {@code $__interval} is the step, {@code $__rate_interval} is max($__interval + scrape
 * interval, 4 × scrape interval); template variables take the values given (an "All" is its allValue). A panel type,
 * unit or variable this does not know is an error, not a blank panel.
 */
public final class DashboardRenderer {

    static {
        // drawn on build machines and CI runners, which have no display
        System.setProperty("java.awt.headless", "true");
    }

    private static final int WIDTH = 1800;
    private static final int MARGIN = 16;
    private static final int CELL_HEIGHT = 30;
    private static final int GAP = 8;
    private static final int HEADER = 70;
    private static final Color BACKGROUND = new Color(0x11, 0x12, 0x17);
    private static final Color PANEL = new Color(0x18, 0x1b, 0x1f);
    private static final Color BORDER = new Color(0x2c, 0x32, 0x35);
    private static final Color TEXT = new Color(0xcc, 0xcc, 0xdc);
    private static final Color DIM = new Color(0x8e, 0x8e, 0xa0);
    /** Grafana's classic palette. */
    private static final Color[] PALETTE = {new Color(0x7EB26D), new Color(0xEAB839), new Color(0x6ED0E0),
        new Color(0xEF843C), new Color(0xE24D42), new Color(0x1F78C1), new Color(0xBA43A9), new Color(0x705DA0),
        new Color(0x508642), new Color(0xCCA300), new Color(0x447EBC), new Color(0xC15C17)};
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\}\\}");

    /** The time axis: from, to (epoch ms) and the step between evaluations. */
    public record Range(long fromMillis, long toMillis, long stepMillis, long scrapeMillis) {
        /** Grafana's $__rate_interval. */
        public long rateIntervalMillis() {
            return Math.max(stepMillis + scrapeMillis, 4 * scrapeMillis);
        }
    }

    /** One line of a timeseries panel: its legend and a value a step (NaN where the query had no answer). */
    public record Line(String legend, double[] values) {
    }

    private final JsonNode dashboard;
    private final Recording recording;
    private final Range range;
    private final Map<String, String> variables;
    private final List<String> caption;

    /**
     * @param templateValues the value of each template variable of the dashboard (its allValue for "All")
     * @param caption lines under the title saying how the picture was made
     */
    public DashboardRenderer(JsonNode dashboard, Recording recording, Range range, Map<String, String> templateValues,
            List<String> caption) {
        this.dashboard = dashboard;
        this.recording = recording;
        this.range = range;
        this.variables = new LinkedHashMap<>();
        variables.put("__rate_interval", (range.rateIntervalMillis() / 1000) + "s");
        variables.put("__interval", (range.stepMillis() / 1000) + "s");
        variables.putAll(templateValues);
        this.caption = caption;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String name = v.path("name").asText();
            if (!v.path("type").asText().equals("datasource") && !variables.containsKey(name)) {
                throw new IllegalArgumentException("no value given for the dashboard's variable $" + name);
            }
        }
    }

    /** The query as Prometheus would receive it from Grafana. */
    String substituted(String expr) {
        String out = expr;
        // longest names first, so $__rate_interval is not read as $__r...
        List<String> names = new ArrayList<>(variables.keySet());
        names.sort((a, b) -> b.length() - a.length());
        for (String name : names) {
            out = out.replace("${" + name + "}", variables.get(name)).replace("$" + name, variables.get(name));
        }
        if (out.contains("$")) {
            throw new IllegalArgumentException("a variable this renderer does not know in: " + expr);
        }
        return out;
    }

    /** The lines of one panel target, by series, with the target's legendFormat applied. */
    public List<Line> lines(JsonNode target) {
        String expr = substituted(target.path("expr").asText());
        LongFunction<PromqlEvaluator.Result> query = PromqlEvaluator.query(recording, expr);
        int steps = (int) ((range.toMillis() - range.fromMillis()) / range.stepMillis()) + 1;
        Map<Map<String, String>, double[]> bySeries = new LinkedHashMap<>();
        for (int i = 0; i < steps; i++) {
            PromqlEvaluator.Result r = query.apply(range.fromMillis() + i * range.stepMillis());
            List<PromqlEvaluator.Element> elements = r.isScalar()
                    ? List.of(new PromqlEvaluator.Element(Map.of(), r.scalar())) : r.vector();
            for (PromqlEvaluator.Element e : elements) {
                double[] values = bySeries.computeIfAbsent(e.labels(), k -> {
                    double[] fresh = new double[steps];
                    Arrays.fill(fresh, Double.NaN);
                    return fresh;
                });
                values[i] = e.value();
            }
        }
        List<Line> out = new ArrayList<>();
        String format = target.path("legendFormat").asText("");
        bySeries.forEach((labels, values) -> out.add(new Line(legend(format, labels), values)));
        out.sort((a, b) -> a.legend().compareTo(b.legend()));
        return out;
    }

    private static String legend(String format, Map<String, String> labels) {
        if (format.isEmpty()) {
            return labels.toString();
        }
        Matcher m = LEGEND_LABEL.matcher(format);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(labels.getOrDefault(m.group(1), "")));
        }
        m.appendTail(sb);
        return sb.toString().trim();
    }

    public BufferedImage render() {
        int rows = 0;
        for (JsonNode p : dashboard.path("panels")) {
            rows = Math.max(rows, p.path("gridPos").path("y").asInt() + p.path("gridPos").path("h").asInt());
        }
        int height = HEADER + caption.size() * 18 + rows * CELL_HEIGHT + MARGIN;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(TEXT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        g.drawString(dashboard.path("title").asText(), MARGIN, 34);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.setColor(DIM);
        int y = 58;
        for (String line : caption) {
            g.drawString(line, MARGIN, y);
            y += 18;
        }
        int top = HEADER + caption.size() * 18 - 10;
        double cell = (WIDTH - 2.0 * MARGIN) / 24;
        for (JsonNode p : dashboard.path("panels")) {
            JsonNode pos = p.path("gridPos");
            int x = (int) Math.round(MARGIN + pos.path("x").asInt() * cell);
            int w = (int) Math.round(pos.path("w").asInt() * cell) - GAP;
            int py = top + pos.path("y").asInt() * CELL_HEIGHT;
            int h = pos.path("h").asInt() * CELL_HEIGHT - GAP;
            String title = p.path("title").asText();
            switch (p.path("type").asText()) {
                case "row" -> {
                    g.setColor(TEXT);
                    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
                    g.drawString(title, x, py + 21);
                }
                case "timeseries" -> timeseries(g, p, x, py, w, h);
                case "stat", "gauge" -> stat(g, p, x, py, w, h);
                default -> throw new IllegalArgumentException("panel \"" + title + "\": type "
                        + p.path("type").asText() + " is not drawn by DashboardRenderer");
            }
        }
        g.dispose();
        return image;
    }

    private void frame(Graphics2D g, String title, int x, int y, int w, int h) {
        g.setColor(PANEL);
        g.fillRoundRect(x, y, w, h, 6, 6);
        g.setColor(BORDER);
        g.drawRoundRect(x, y, w, h, 6, 6);
        g.setColor(TEXT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, x + 10, y + 20);
    }

    private List<Line> panelLines(JsonNode panel) {
        List<Line> lines = new ArrayList<>();
        for (JsonNode t : panel.path("targets")) {
            try {
                lines.addAll(lines(t));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("panel \"" + panel.path("title").asText() + "\" target "
                        + t.path("refId").asText() + ": " + e.getMessage(), e);
            }
        }
        return lines;
    }

    private void stat(Graphics2D g, JsonNode panel, int x, int y, int w, int h) {
        frame(g, panel.path("title").asText(), x, y, w, h);
        String unit = unit(panel);
        List<Line> lines = panelLines(panel);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 28));
        int row = y + 60;
        for (int i = 0; i < lines.size(); i++) {
            double[] v = lines.get(i).values();
            double last = v[v.length - 1];
            g.setColor(PALETTE[i % PALETTE.length]);
            g.drawString(Units.format(unit, last) + "  " + lines.get(i).legend(), x + 14, row);
            row += 36;
        }
        if (lines.isEmpty()) {
            noData(g, x, y, w, h);
        }
    }

    private static String unit(JsonNode panel) {
        return panel.path("fieldConfig").path("defaults").path("unit").asText("short");
    }

    private static void noData(Graphics2D g, int x, int y, int w, int h) {
        g.setColor(DIM);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
        g.drawString("No data", x + w / 2 - 30, y + h / 2);
    }

    private void timeseries(Graphics2D g, JsonNode panel, int x, int y, int w, int h) {
        frame(g, panel.path("title").asText(), x, y, w, h);
        String unit = unit(panel);
        List<Line> lines = panelLines(panel);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Line l : lines) {
            for (double v : l.values()) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        int legendRows = legendRows(fm, lines, w - 20);
        int plotLeft = x + 70;
        int plotRight = x + w - 12;
        int plotTop = y + 32;
        int plotBottom = y + h - 24 - legendRows * 15;
        if (min == Double.POSITIVE_INFINITY) {
            noData(g, x, y, w, h);
            return;
        }
        // the axis includes zero, as Grafana's does for these panels
        double axisLow = Math.min(0, min);
        double axisHigh = Math.max(0, max);
        double[] ticks = Units.ticks(axisLow, axisHigh == axisLow ? axisLow + 1 : axisHigh, 4);
        double lo = ticks[0];
        double hi = ticks[ticks.length - 1];
        for (double t : ticks) {
            int ty = (int) Math.round(plotBottom - (t - lo) / (hi - lo) * (plotBottom - plotTop));
            g.setColor(BORDER);
            g.drawLine(plotLeft, ty, plotRight, ty);
            g.setColor(DIM);
            String label = Units.format(unit, t);
            g.drawString(label, plotLeft - 6 - fm.stringWidth(label), ty + 4);
        }
        long span = range.toMillis() - range.fromMillis();
        long tickEvery = span > 120_000 ? 30_000 : span > 60_000 ? 20_000 : 10_000;
        for (long t = (range.fromMillis() / tickEvery + 1) * tickEvery; t <= range.toMillis(); t += tickEvery) {
            int tx = (int) Math.round(plotLeft + (double) (t - range.fromMillis()) / span * (plotRight - plotLeft));
            g.setColor(BORDER);
            g.drawLine(tx, plotTop, tx, plotBottom);
            g.setColor(DIM);
            String label = CLOCK.format(Instant.ofEpochMilli(t));
            g.drawString(label, tx - fm.stringWidth(label) / 2, plotBottom + 14);
        }
        g.setStroke(new BasicStroke(1.6f));
        for (int i = 0; i < lines.size(); i++) {
            g.setColor(PALETTE[i % PALETTE.length]);
            double[] v = lines.get(i).values();
            Path2D.Double path = new Path2D.Double();
            boolean drawing = false;
            for (int s = 0; s < v.length; s++) {
                if (!Double.isFinite(v[s])) {
                    drawing = false;
                    continue;
                }
                double px = plotLeft + (double) s / Math.max(1, v.length - 1) * (plotRight - plotLeft);
                double py = plotBottom - (v[s] - lo) / (hi - lo) * (plotBottom - plotTop);
                if (drawing) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    drawing = true;
                }
            }
            g.draw(path);
        }
        g.setStroke(new BasicStroke(1f));
        legend(g, fm, lines, x + 10, plotBottom + 30, w - 20);
    }

    private static int legendRows(FontMetrics fm, List<Line> lines, int width) {
        int rows = lines.isEmpty() ? 0 : 1;
        int at = 0;
        for (Line l : lines) {
            int item = 16 + fm.stringWidth(l.legend()) + 14;
            if (at + item > width && at > 0) {
                rows++;
                at = 0;
            }
            at += item;
        }
        return rows;
    }

    private static void legend(Graphics2D g, FontMetrics fm, List<Line> lines, int x, int y, int width) {
        int at = 0;
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).legend();
            int item = 16 + fm.stringWidth(text) + 14;
            if (at + item > width && at > 0) {
                y += 15;
                at = 0;
            }
            g.setColor(PALETTE[i % PALETTE.length]);
            g.fillRect(x + at, y - 7, 12, 4);
            g.setColor(TEXT);
            g.drawString(text, x + at + 16, y);
            at += item;
        }
    }

    /** Grafana's units the dashboard uses, formatted the way Grafana shows them on an axis. */
    static final class Units {
        private Units() {
        }

        static String format(String unit, double v) {
            if (!Double.isFinite(v)) {
                return String.valueOf(v);
            }
            return switch (unit) {
                case "short" -> si(v, "");
                case "reqps" -> si(v, "") + " req/s";
                case "ops" -> si(v, "") + " ops/s";
                case "Bps" -> si(v, "") + "B/s";
                case "percentunit" -> number(v * 100) + "%";
                case "s" -> Math.abs(v) >= 1 || v == 0 ? number(v) + " s" : Math.abs(v) >= 0.001 ? number(v * 1e3) + " ms"
                        : number(v * 1e6) + " µs";
                case "d" -> number(v) + " day";
                default -> throw new IllegalArgumentException("unit " + unit + " is not drawn by DashboardRenderer");
            };
        }

        private static String si(double v, String suffix) {
            double a = Math.abs(v);
            if (a >= 1e9) {
                return number(v / 1e9) + " G" + suffix;
            }
            if (a >= 1e6) {
                return number(v / 1e6) + " M" + suffix;
            }
            if (a >= 1e3) {
                return number(v / 1e3) + " k" + suffix;
            }
            return number(v) + (suffix.isEmpty() ? "" : " " + suffix);
        }

        private static String number(double v) {
            if (v == Math.rint(v)) {
                return String.format(Locale.ROOT, "%.0f", v);
            }
            double a = Math.abs(v);
            return String.format(Locale.ROOT, a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v)
                    .replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
        }

        /** About {@code count} round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
        static double[] ticks(double lo, double hi, int count) {
            double raw = (hi - lo) / count;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = magnitude * (raw / magnitude <= 1 ? 1 : raw / magnitude <= 2 ? 2 : raw / magnitude <= 5 ? 5 : 10);
            double start = Math.floor(lo / step) * step;
            double end = Math.ceil(hi / step) * step;
            int n = (int) Math.round((end - start) / step) + 1;
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = start + i * step;
            }
            return out;
        }
    }
}
