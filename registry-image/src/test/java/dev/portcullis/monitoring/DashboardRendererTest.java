package dev.portcullis.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The screenshot generator (DashboardScreenshot in the operator's tests) draws the real dashboard: every one of its
 * queries is inside PromqlEvaluator's subset, Grafana's variables are substituted as Grafana would, and legends
 * name their series.
 */
class DashboardRendererTest {
    private static final DashboardRenderer.Range RANGE = new DashboardRenderer.Range(10_000, 20_000, 2_000, 2_000);

    private static Recording recording() {
        Recording r = new Recording();
        for (long t = 10_000; t <= 20_000; t += 2_000) {
            r.add(t, Map.of("namespace", "team-a", "pod", "reg-0"), """
                    registry_http_requests_seconds_count{route="blob",status="200"} %1$s
                    registry_http_requests_seconds_count{route="blob",status="500"} %2$s
                    registry_health_check_up{check="storage"} 1
                    """.formatted(t / 100, t / 1000));
        }
        return r;
    }

    @Test
    void everyPanelOfTheDashboardIsDrawn() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(MonitoringBundle.DASHBOARD.toFile());
        DashboardRenderer renderer = new DashboardRenderer(dashboard, recording(), RANGE, Map.of("namespace", ".*"),
                List.of("caption"));
        BufferedImage image = renderer.render();
        assertEquals(1800, image.getWidth());
        assertTrue(image.getHeight() > 60 * 30, "all 60 grid rows: " + image.getHeight());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                renderer.lines(target); // throws when a query leaves the evaluator's subset
            }
        }
    }

    @Test
    void substitutesGrafanasVariablesAndFormatsLegends() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(MonitoringBundle.DASHBOARD.toFile());
        DashboardRenderer renderer = new DashboardRenderer(dashboard, recording(), RANGE, Map.of("namespace", ".*"),
                List.of());
        // Grafana: max($__interval + scrape interval, 4 × scrape interval)
        assertEquals("rate(x{namespace=~\".*\"}[8s])", renderer.substituted("rate(x{namespace=~\"$namespace\"}[$__rate_interval])"));
        assertThrows(IllegalArgumentException.class, () -> renderer.substituted("x{pod=\"$pod\"}"));
        assertThrows(IllegalArgumentException.class, () -> new DashboardRenderer(dashboard, recording(), RANGE,
                Map.of(), List.of()));

        JsonNode target = new ObjectMapper().readTree("""
                {"expr": "sum by (route, status) (rate(registry_http_requests_seconds_count{namespace=~\\"$namespace\\"}[$__rate_interval]))",
                 "legendFormat": "{{route}} {{status}}"}""");
        List<DashboardRenderer.Line> lines = renderer.lines(target);
        assertEquals(List.of("blob 200", "blob 500"), lines.stream().map(DashboardRenderer.Line::legend).toList());
        // counts rise by 20 and 2 every 2 s: 10 and 1 requests a second, once a window holds two scrapes
        double[] ok = lines.get(0).values();
        assertTrue(Double.isNaN(ok[0]), "one scrape in the first window: no rate yet");
        assertEquals(10.0, ok[ok.length - 1], 1e-9);
        assertEquals(1.0, lines.get(1).values()[ok.length - 1], 1e-9);
    }

    @Test
    void drawsAStatPanelAsItsLastValueAndRefusesPanelsItDoesNotKnow() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode stat = json.readTree("""
                {"title": "t", "panels": [{"type": "stat", "title": "Health", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4},
                  "targets": [{"expr": "min(registry_health_check_up)", "legendFormat": "storage"}]}]}""");
        BufferedImage image = new DashboardRenderer(stat, recording(), RANGE, Map.of(), List.of()).render();
        int drawnInTheFirstColour = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                drawnInTheFirstColour += (image.getRGB(x, y) & 0xffffff) == 0x7EB26D ? 1 : 0;
            }
        }
        assertTrue(drawnInTheFirstColour > 20, "the value's text: " + drawnInTheFirstColour + " pixels");
        JsonNode table = json.readTree("""
                {"title": "t", "panels": [{"type": "table", "title": "T", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4}}]}""");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DashboardRenderer(table, recording(), RANGE, Map.of(), List.of()).render());
        assertTrue(e.getMessage().contains("type table"), e.getMessage());
    }

    @Test
    void formatsGrafanasUnits() {
        assertEquals("1.5 k req/s", DashboardRenderer.Units.format("reqps", 1500));
        assertEquals("2.5%", DashboardRenderer.Units.format("percentunit", 0.025));
        assertEquals("250 ms", DashboardRenderer.Units.format("s", 0.25));
        assertEquals("1.2 MB/s", DashboardRenderer.Units.format("Bps", 1_200_000));
        assertEquals("30 day", DashboardRenderer.Units.format("d", 30));
        assertThrows(IllegalArgumentException.class, () -> DashboardRenderer.Units.format("furlongs", 1));
    }
}
