package dev.portcullis.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The PromQL of deploy/monitoring/: every alert's expression and every dashboard query (panel targets and the
 * label_values() of template variables), with the metric names they read, and which component must export each.
 */
public final class MonitoringBundle {
    /** The repository's top level, from a module's folder (where Maven runs the tests). */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    public static final Path RULES = ROOT.resolve("deploy/monitoring/prometheusrule.yaml");
    public static final Path DASHBOARD = ROOT.resolve("deploy/monitoring/portcullis-dashboard.json");

    /** Series Prometheus makes itself for every target (not exported by anyone). */
    public static final Set<String> PROMETHEUS_OWN = Set.of("up");

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,.*\\)");

    private MonitoringBundle() {
    }

    /** One query and where it is (alert name, or dashboard panel and target). */
    public record Query(String where, String promql) {
    }

    public static List<Query> queries() throws IOException {
        List<Query> out = new ArrayList<>(alerts().entrySet().stream()
                .map(e -> new Query("alert " + e.getKey(), (String) e.getValue().get("expr"))).toList());
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new Query("panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText(),
                        grafanaVariablesReplaced(target.path("expr").asText())));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                String query = variable.path("query").path("query").asText();
                Matcher m = LABEL_VALUES.matcher(query);
                if (!m.matches()) {
                    throw new IllegalArgumentException("variable " + variable.path("name").asText()
                            + ": only label_values(metric, label) is checked, not " + query);
                }
                out.add(new Query("variable " + variable.path("name").asText(), m.group(1)));
            }
        }
        return out;
    }

    /** Every alert rule by name: its expr, for, labels and annotations. */
    @SuppressWarnings("unchecked")
    public static Map<String, Map<String, Object>> alerts() throws IOException {
        Map<String, Object> rule = new Yaml().load(Files.readString(RULES));
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule.get("spec")).get("groups")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) group.get("rules")) {
                out.put((String) r.get("alert"), r);
            }
        }
        return out;
    }

    /** Grafana's variables as a query sent to Prometheus would have them. */
    static String grafanaVariablesReplaced(String expr) {
        return expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "6h")
                .replace("$namespace", ".*");
    }

    /** The metric names of every query; parsing fails with the query's place when one is not valid PromQL. */
    public static Set<String> metricNames() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Query q : queries()) {
            try {
                names.addAll(Promql.metricNames(q.promql()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(q.where() + ": " + e.getMessage(), e);
            }
        }
        return names;
    }

    /** The registry's own series (registry-image's RegistryMetrics). */
    public static boolean fromRegistry(String metric) {
        return metric.startsWith("registry_") || metric.startsWith("portcullis_tls_");
    }

    /** The operator's series (JOSDK's Micrometer metrics). */
    public static boolean fromOperator(String metric) {
        return metric.startsWith("operator_sdk_");
    }

    /** The metric names of a scrape in Prometheus's text format (histogram series by their own names). */
    public static Set<String> exported(String scrape) {
        Set<String> names = new TreeSet<>();
        scrape.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        return names;
    }
}
