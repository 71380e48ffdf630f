package dev.portcullis.registry.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /livez}, {@code /readyz} (every check with its last result, time and latency; 503 when not ready:
 * {@code starting} until each check has passed once, {@code unhealthy}, {@code exhausted} while the storage workers'
 * queue waits too long, {@code draining}) and
 * Distribution's {@code /debug/health} ({@code {}} when healthy, else check name to error, 503).
 */
public final class HealthEndpoints {
    private final HealthMonitor monitor;

    public HealthEndpoints(HealthMonitor monitor) {
        this.monitor = monitor;
    }

    public void mount(Router router) {
        router.get("/livez").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("status", "ok").encode()));
        router.get("/readyz").handler(this::readyz);
        router.get("/debug/health").handler(this::distributionHealth);
    }

    private void readyz(RoutingContext ctx) {
        JsonArray checks = new JsonArray();
        for (CheckState s : monitor.states()) {
            JsonObject c = new JsonObject()
                    .put("name", s.name())
                    .put("status", s.failing() ? "failing" : (s.passedOnce() ? "ok" : "pending"))
                    .put("lastCheck", s.lastCheck() == null ? null : s.lastCheck().toString())
                    .put("latencyMillis", s.latency().toNanos() / 1_000_000.0)
                    .put("consecutiveFailures", s.consecutiveFailures());
            if (s.message() != null) {
                c.put("message", s.message());
            }
            checks.add(c);
        }
        boolean ready = monitor.ready();
        boolean anyFailing = monitor.states().stream().anyMatch(s -> s.failing() && !monitor.reportsOnly(s.name()));
        java.util.List<String> exhausted = monitor.exhaustedPools();
        String status = monitor.draining() ? "draining" : ready ? "ok" : anyFailing ? "unhealthy"
                : !exhausted.isEmpty() ? "exhausted" : "starting";
        JsonObject body = new JsonObject().put("status", status).put("checks", checks);
        if (!exhausted.isEmpty()) {
            body.put("exhausted", new JsonArray(exhausted));
        }
        ctx.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
    }

    private void distributionHealth(RoutingContext ctx) {
        JsonObject failing = new JsonObject();
        for (CheckState s : monitor.states()) {
            if (s.failing() && !monitor.reportsOnly(s.name())) {
                failing.put(s.name(), s.message());
            }
        }
        ctx.response().setStatusCode(failing.isEmpty() ? 200 : 503).putHeader("Content-Type", "application/json")
                .end(failing.encode());
    }
}
