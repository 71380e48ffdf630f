package dev.portcullis.monitoring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a Prometheus server would hold after scraping targets: every series with its samples in time order. Each
 * scrape adds the target labels a Prometheus Operator ServiceMonitor scrape attaches (namespace, pod, container,
 * job, instance) as Prometheus does with honor_labels false, and, like Prometheus, marks a series stale when a
 * scrape of its target no longer has it.
 */
public final class Recording {

    /** One stored sample; a staleness marker ends a series until it reappears. */
    public record Point(long millis, double value, boolean stale) {
    }

    private final Map<Map<String, String>, List<Point>> series = new LinkedHashMap<>();
    private final Map<Map<String, String>, Set<Map<String, String>>> seriesOfTarget = new LinkedHashMap<>();
    private long first = Long.MAX_VALUE;
    private long last = Long.MIN_VALUE;

    /** Adds one scrape of the target {@code targetLabels}, taken at {@code millis}. */
    public void add(long millis, Map<String, String> targetLabels, String scrape) {
        Set<Map<String, String>> now = new HashSet<>();
        for (PrometheusText.Sample s : PrometheusText.parse(scrape)) {
            Map<String, String> labels = new TreeMap<>(s.labels());
            // honor_labels: false, a ServiceMonitor's default: a scraped label the target also sets is kept as
            // exported_<name> (the operator's per-resource metrics carry the resource's namespace)
            for (String clash : targetLabels.keySet()) {
                String scraped = labels.remove(clash);
                if (scraped != null) {
                    labels.put("exported_" + clash, scraped);
                }
            }
            labels.putAll(targetLabels);
            now.add(labels);
            append(labels, new Point(millis, s.value(), false));
        }
        Set<Map<String, String>> before = seriesOfTarget.computeIfAbsent(Map.copyOf(targetLabels), k -> new HashSet<>());
        for (Map<String, String> gone : before) {
            if (!now.contains(gone)) {
                List<Point> points = series.get(gone);
                if (!points.get(points.size() - 1).stale()) {
                    points.add(new Point(millis, Double.NaN, true));
                }
            }
        }
        before.addAll(now);
        first = Math.min(first, millis);
        last = Math.max(last, millis);
    }

    private void append(Map<String, String> labels, Point p) {
        List<Point> points = series.computeIfAbsent(Map.copyOf(labels), k -> new ArrayList<>());
        if (!points.isEmpty() && points.get(points.size() - 1).millis() >= p.millis()) {
            throw new IllegalArgumentException("scrapes out of order for " + labels);
        }
        points.add(p);
    }

    /**
     * Adds the scrapes of a folder written by a scrape recorder: one file a scrape, named by the epoch millisecond
     * it was taken at ({@code 1733540000000.prom}), shifted by {@code shiftMillis} so recordings taken at different
     * times share one time axis.
     */
    public void addFolder(Path folder, Map<String, String> targetLabels, long shiftMillis) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".prom"))
                    .sorted((a, b) -> Long.compare(millisOf(a), millisOf(b))).toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no scrapes (*.prom) in " + folder);
        }
        for (Path f : files) {
            add(millisOf(f) + shiftMillis, targetLabels, Files.readString(f));
        }
    }

    /** The epoch millisecond of the first scrape in a recorder's folder. */
    public static long firstMillis(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".prom")).mapToLong(Recording::millisOf).min()
                    .orElseThrow(() -> new IllegalArgumentException("no scrapes (*.prom) in " + folder));
        }
    }

    private static long millisOf(Path file) {
        String name = file.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".prom".length()));
    }

    public Map<Map<String, String>, List<Point>> series() {
        return series;
    }

    public long firstMillis() {
        return first;
    }

    public long lastMillis() {
        return last;
    }
}
