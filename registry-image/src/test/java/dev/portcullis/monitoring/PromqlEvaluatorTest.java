package dev.portcullis.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The dashboard's PromQL subset evaluated as Prometheus does, checked against results worked out by hand. */
class PromqlEvaluatorTest {
    private static final Map<String, String> TARGET = Map.of("namespace", "team-a", "pod", "reg-0");

    /** One scrape a value list, 10 s apart from t = 10 s; {@code text} has a %s for each scrape's value. */
    private static Recording counter(String text, double... values) {
        Recording r = new Recording();
        for (int i = 0; i < values.length; i++) {
            r.add((i + 1) * 10_000L, TARGET, text.formatted(values[i]));
        }
        return r;
    }

    private static double only(Recording r, String expr, long millis) {
        PromqlEvaluator.Result result = PromqlEvaluator.evaluate(r, expr, millis);
        if (result.isScalar()) {
            return result.scalar();
        }
        assertEquals(1, result.vector().size(), expr + " -> " + result.vector());
        return result.vector().get(0).value();
    }

    @Test
    void rateAndIncreaseCountAcrossACounterResetAndExtrapolateToTheWindow() {
        // 10, 20, then a restart to 5, then 15 at t = 10..40 s: the counter rose by 10 + 20 (the reset) + ... = 25
        Recording r = counter("c_total %s\n", 10, 20, 5, 15);
        // window (5 s, 45 s]: first and last samples 5 s from the edges (< 1.1 × the 10 s interval), so the 30 s
        // sampled increase of 25 is extrapolated to 40 s: 25 × 40 / 30
        assertEquals(25.0 * 40 / 30, only(r, "increase(c_total[40s])", 45_000), 1e-9);
        assertEquals(25.0 * 40 / 30 / 40, only(r, "rate(c_total[40s])", 45_000), 1e-9);
        // window (0, 100 s]: 10 s to the start (kept), 60 s to the end (too far: half an interval, 5 s)
        assertEquals(25.0 * 45 / 30, only(r, "increase(c_total[100s])", 100_000), 1e-9);
        // one sample in the window: no answer, as in Prometheus
        assertTrue(PromqlEvaluator.evaluate(r, "rate(c_total[5s])", 41_000).vector().isEmpty());
    }

    @Test
    void increaseIsNotExtrapolatedBelowZero() {
        // 2, 12, 22: the zero point is 2 s before the first sample, closer than the window's start (5 s)
        Recording r = counter("c_total %s\n", 2, 12, 22);
        assertEquals(20.0 * (20 + 2 + 5) / 20, only(r, "increase(c_total[30s])", 35_000), 1e-9);
    }

    @Test
    void histogramQuantileInterpolatesInsideTheBucket() {
        List<double[]> buckets = List.of(new double[] {0.5, 30}, new double[] {Double.POSITIVE_INFINITY, 50},
                new double[] {0.1, 10}, new double[] {1, 40});
        assertEquals(0.1 + 0.4 * 15 / 20, PromqlEvaluator.bucketQuantile(0.5, buckets), 1e-12);
        assertEquals(0.05, PromqlEvaluator.bucketQuantile(0.1, buckets), 1e-12);
        // in the +Inf bucket: the highest finite bound
        assertEquals(1.0, PromqlEvaluator.bucketQuantile(0.95, buckets), 1e-12);
        assertTrue(Double.isNaN(PromqlEvaluator.bucketQuantile(0.5, List.of(new double[] {0.1, 1}, new double[] {1, 2}))));
        assertTrue(Double.isNaN(PromqlEvaluator.bucketQuantile(0.5,
                List.of(new double[] {0.1, 0}, new double[] {Double.POSITIVE_INFINITY, 0}))));
        assertEquals(Double.POSITIVE_INFINITY, PromqlEvaluator.bucketQuantile(1.5, buckets));
    }

    @Test
    void histogramQuantileOfSummedRatesPerRoute() {
        // two pods' buckets for one route, each rising by the same amount in 10 s: their sum is a known histogram
        Recording r = new Recording();
        String scrape = """
                h_bucket{route="blob",le="0.1"} %1$s
                h_bucket{route="blob",le="0.5"} %2$s
                h_bucket{route="blob",le="+Inf"} %3$s
                """;
        r.add(10_000, Map.of("pod", "a"), scrape.formatted(0, 0, 0));
        r.add(10_000, Map.of("pod", "b"), scrape.formatted(0, 0, 0));
        r.add(20_000, Map.of("pod", "a"), scrape.formatted(10, 30, 40));
        r.add(20_000, Map.of("pod", "b"), scrape.formatted(10, 30, 40));
        // over (9 s, 20 s]: le 0.1 → 20, le 0.5 → 60, +Inf → 80 (rates scale them all alike); p50: rank 40 in
        // (0.1, 0.5] holding 40, 20 of them below: 0.1 + 0.4 × 20/40
        PromqlEvaluator.Result result = PromqlEvaluator.evaluate(r,
                "histogram_quantile(0.5, sum by (le, route) (rate(h_bucket[11s])))", 20_000);
        assertEquals(1, result.vector().size());
        assertEquals(Map.of("route", "blob"), result.vector().get(0).labels());
        assertEquals(0.3, result.vector().get(0).value(), 1e-9);
    }

    @Test
    void sumAndMinByGroupTheSelectedSeries() {
        Recording r = new Recording();
        r.add(1_000, TARGET, """
                a{route="r1",status="200"} 1
                a{route="r1",status="404"} 2
                a{route="r2",status="200"} 4
                b{route="r1",status="200"} 100
                """);
        r.add(1_000, Map.of("namespace", "team-b", "pod", "reg-0"), "a{route=\"r2\",status=\"200\"} 8\n");
        assertEquals(Map.of("r1", 3.0, "r2", 4.0), byLabel(r, "sum by (route) (a{namespace=~\"team-a|x\"})", "route"));
        assertEquals(Map.of("r1", 3.0, "r2", 12.0), byLabel(r, "sum by (route) (a)", "route"));
        assertEquals(Map.of("200", 1.0, "404", 2.0), byLabel(r, "min by (status) (a)", "status"));
        assertEquals(Map.of("r2", 8.0), byLabel(r, "sum(a{namespace!=\"team-a\"}) by (route)", "route"));
        assertEquals(15.0, only(r, "sum(a)", 1_000));
        // a series seen last more than 5 minutes ago is gone
        assertTrue(PromqlEvaluator.evaluate(r, "a", 1_000 + 301_000).vector().isEmpty());
    }

    @Test
    void arithmeticMatchesSeriesByTheirLabelsAndTakesScalars() {
        Recording r = new Recording();
        r.add(86_400_000, TARGET, """
                expiry{purpose="serving"} 864000
                s_sum{op="get"} 3
                s_count{op="get"} 4
                s_sum{op="put"} 0
                s_count{op="put"} 0
                """);
        // the certificate expires at 10 days after the epoch; now is 1 day after it
        assertEquals(9.0, only(r, "(expiry - time()) / 86400", 86_400_000), 1e-12);
        Map<String, Double> mean = byLabel(r, "sum by (op) (s_sum) / sum by (op) (s_count)", "op");
        assertEquals(0.75, mean.get("get"));
        assertTrue(mean.get("put").isNaN(), "0/0 is NaN, as in Prometheus");
        assertEquals(-4.0, only(r, "-2 * 2", 0));
        assertEquals(7.0, only(r, "1 + 2 * 3", 0));
    }

    @Test
    void aSeriesThatLeavesAScrapeIsStale() {
        Recording r = new Recording();
        r.add(1_000, TARGET, "u{check=\"storage\"} 1\nv 1\n");
        r.add(3_000, TARGET, "v 1\n");
        assertEquals(1.0, only(r, "min by (check) (u)", 2_000));
        assertTrue(PromqlEvaluator.evaluate(r, "min by (check) (u)", 4_000).vector().isEmpty());
    }

    @Test
    void aScrapedLabelTheTargetAlsoSetsIsKeptAsExported() {
        Recording r = new Recording();
        r.add(1_000, Map.of("namespace", "portcullis-system"), "ops_total{namespace=\"team-a\"} 3\n");
        assertEquals(Map.of("__name__", "ops_total", "namespace", "portcullis-system", "exported_namespace", "team-a"),
                PromqlEvaluator.evaluate(r, "ops_total", 1_000).vector().get(0).labels());
    }

    @Test
    void whatIsOutsideTheSubsetFailsLoudly() {
        Recording r = counter("c_total %s\n", 1, 2);
        for (String outside : new String[] {"rate(c_total[1m]) > 1", "c_total offset 5m", "topk(1, c_total)",
                "sum without (pod) (c_total)", "abs(c_total)", "c_total + on (pod) c_total", "c_total % 2",
                "max_over_time(c_total[1m])", "c_total and c_total"}) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> PromqlEvaluator.evaluate(r, outside, 20_000), outside);
            assertTrue(e.getMessage().contains("outside the subset"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PromqlEvaluator.evaluate(r, "rate(c_total)", 20_000));
    }

    @Test
    void readsMicrometersTextFormat() {
        List<PrometheusText.Sample> samples = PrometheusText.parse("""
                # HELP x_seconds A histogram
                # TYPE x_seconds histogram
                x_seconds_bucket{le="+Inf",path="/v2/a\\"b\\\\"} 3.0
                x_seconds_count 2.5E-4 1700000000000
                y NaN
                """);
        assertEquals(3, samples.size());
        assertEquals(Map.of("__name__", "x_seconds_bucket", "le", "+Inf", "path", "/v2/a\"b\\"), samples.get(0).labels());
        assertEquals(2.5e-4, samples.get(1).value());
        assertTrue(Double.isNaN(samples.get(2).value()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PrometheusText.parse("ok 1\nbroken{a=b} 1\n"));
        assertTrue(e.getMessage().startsWith("line 2"), e.getMessage());
    }

    private static Map<String, Double> byLabel(Recording r, String expr, String label) {
        return PromqlEvaluator.evaluate(r, expr, r.lastMillis()).vector().stream()
                .collect(Collectors.toMap(e -> e.labels().get(label), PromqlEvaluator.Element::value, (a, b) -> a,
                        TreeMap::new));
    }
}
