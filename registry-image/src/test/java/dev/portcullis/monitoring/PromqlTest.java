package dev.portcullis.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PromQL checker accepts what Prometheus accepts of the bundle's forms, and refuses what Prometheus refuses. */
class PromqlTest {

    @Test
    void readsTheMetricNamesOfValidExpressions() {
        assertEquals(Set.of("registry_http_requests_seconds_bucket"), Promql.metricNames(
                "histogram_quantile(0.95, sum by (le, route) (rate(registry_http_requests_seconds_bucket{namespace=~\".*\"}[5m])))"));
        assertEquals(Set.of("a", "b"), Promql.metricNames(
                "sum by (namespace, pod) (rate(a{status=~\"5..\"}[5m])) / sum by (namespace, pod) (rate(b[5m])) > 0.05"));
        assertEquals(Set.of("x", "y", "z"), Promql.metricNames(
                "increase(x{task=\"gc\", outcome=\"failure\"}[6h]) > 0 or time() - y{task=\"gc\"} > 2 * z{task=\"gc\"}"));
        assertEquals(Set.of("c"), Promql.metricNames("c - time() < 14 * 86400"));
        assertEquals(Set.of("d"), Promql.metricNames("sum(rate(d[5m])) by (pod) * on (pod) group_left () vector(1)"));
        assertEquals(Set.of("e"), Promql.metricNames("max_over_time(e[1h:5m] offset 1d) >= bool 1"));
        assertEquals(Set.of("f"), Promql.metricNames("{__name__=\"f\", job!=\"\"}"));
        assertEquals(Set.of("up"), Promql.metricNames("up{container=\"registry\"} == 0"));
        assertEquals(Set.of("g"), Promql.metricNames("topk(3, -g ^ 2 ^ 0.5)"));
    }

    @Test
    void refusesWhatPrometheusRefuses() {
        for (String bad : new String[] {
                "sum(rate(x[5m])",                         // unbalanced
                "rate(x[5m]))",                            // unbalanced the other way
                "rate(x)",                                 // rate of an instant vector
                "x[5m] > 1",                               // comparison on a range vector
                "sum(x)[5m]",                              // a range on a non-selector (needs a subquery)
                "frobnicate(x)",                           // no such function
                "x{job=foo}",                              // unquoted matcher value
                "x{job~\"foo\"}",                          // no such matcher operator
                "x{job=~\"(\"}",                           // bad regular expression
                "{job=~\".*\"}",                          // a selector that matches every series
                "x[5]",                                    // not a duration
                "histogram_quantile(x, y)",                // the quantile must be a scalar
                "1 > 2",                                   // scalar comparison without bool
                "x and 1",                                 // set operator on a scalar
                "x + on(pod) group_left y ++",             // trailing garbage
                "sum by (le x)",                           // broken grouping
                "",                                        // nothing
        }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Promql.metricNames(bad), bad);
            assertTrue(e.getMessage().contains(" at "), e.getMessage());
        }
    }

    /** Every alert and every dashboard query of deploy/monitoring parses. */
    @Test
    void everyQueryOfTheBundleParses() throws Exception {
        var queries = MonitoringBundle.queries();
        assertTrue(queries.size() > 20, "alerts and panels found: " + queries.size());
        for (var q : queries) {
            try {
                Promql.metricNames(q.promql());
            } catch (IllegalArgumentException e) {
                throw new AssertionError(q.where() + ": " + e.getMessage(), e);
            }
        }
        Set<String> names = MonitoringBundle.metricNames();
        assertTrue(names.contains("portcullis_tls_certificate_expiry_timestamp_seconds"), names.toString());
        for (String name : names) {
            assertTrue(MonitoringBundle.fromRegistry(name) || MonitoringBundle.fromOperator(name)
                    || MonitoringBundle.PROMETHEUS_OWN.contains(name),
                    name + " is exported by neither the registry nor the operator");
        }
    }
}
