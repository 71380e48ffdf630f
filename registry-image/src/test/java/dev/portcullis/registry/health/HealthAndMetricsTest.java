package dev.portcullis.registry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * What Kubernetes and the operator read: /livez, /readyz, Distribution's /debug/health, and Prometheus metrics. The
 * storage is broken for real (its scratch folder replaced by a file, so every write probe fails).
 */
class HealthAndMetricsTest {
    @TempDir
    Path dir;

    private RunningRegistry start(String extra) throws Exception {
        Path root = dir.resolve("storage");
        return RunningRegistry.startYaml("""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:0
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                      path: /metrics
                health:
                  storagedriver:
                    enabled: true
                    interval: 100ms
                    threshold: 3
                """.formatted(root) + extra, root, Map.of());
    }

    @Test
    void brokenStorageTurnsUnhealthyAfterThresholdAndRecovers() throws Exception {
        try (RunningRegistry registry = start("")) {
            RegistryHttp api = new RegistryHttp(registry.url());
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());
            await(() -> status(debug, "/readyz") == 200);
            JsonObject ready = new JsonObject(new String(debug.get("/readyz").body()));
            assertEquals("ok", ready.getString("status"));
            assertEquals("storagedriver_filesystem", ready.getJsonArray("checks").getJsonObject(0).getString("name"));
            assertEquals(200, status(api, "/livez"));
            assertEquals(200, status(api, "/v2/"));

            Path scratch = registry.storageRoot().resolve("docker/registry/v2/_scratch");
            try (var files = Files.list(scratch)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.delete(scratch);
            Files.writeString(scratch, "not a folder");

            await(() -> status(api, "/v2/") == 503);
            HttpResponse<byte[]> refused = api.get("/v2/");
            assertEquals("UNAVAILABLE", RegistryHttp.errorCode(refused));
            JsonObject unhealthy = new JsonObject(new String(debug.get("/readyz").body()));
            assertEquals("unhealthy", unhealthy.getString("status"));
            JsonObject check = unhealthy.getJsonArray("checks").getJsonObject(0);
            assertEquals("failing", check.getString("status"));
            assertTrue(check.getInteger("consecutiveFailures") >= 3);
            assertTrue(check.getString("message").contains("_scratch"), check.encode());
            HttpResponse<byte[]> distribution = debug.get("/debug/health");
            assertEquals(503, distribution.statusCode());
            assertTrue(new JsonObject(new String(distribution.body())).containsKey("storagedriver_filesystem"));
            assertEquals(200, status(api, "/livez"), "alive, just not ready");
            assertEquals(503, status(api, "/readyz"), "also on the main port");

            Files.delete(scratch);
            Files.createDirectory(scratch);
            await(() -> status(api, "/v2/") == 200);
            assertEquals(200, status(debug, "/readyz"));
            assertEquals("{}", new String(debug.get("/debug/health").body()));
        }
    }

    @Test
    void notReadyUntilEveryCheckHasPassedOnce() throws Exception {
        int closed;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (RunningRegistry registry = start("""
                  http:
                    - uri: http://127.0.0.1:%d/
                      interval: 1h
                      threshold: 3
                """.formatted(closed))) {
            RegistryHttp api = new RegistryHttp(registry.url());
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());
            await(() -> {
                try {
                    JsonObject body = new JsonObject(new String(debug.get("/readyz").body()));
                    return body.getJsonArray("checks").stream().map(JsonObject.class::cast)
                            .anyMatch(c -> c.getInteger("consecutiveFailures") > 0);
                } catch (Exception notYet) {
                    return false;
                }
            });
            // one failure, below the threshold: Distribution's gate lets the API serve, but a registry whose
            // dependency has never answered is not ready for traffic
            HttpResponse<byte[]> readyz = debug.get("/readyz");
            assertEquals(503, readyz.statusCode());
            JsonObject body = new JsonObject(new String(readyz.body()));
            assertEquals("starting", body.getString("status"));
            assertTrue(body.getJsonArray("checks").stream().map(JsonObject.class::cast)
                    .anyMatch(c -> "pending".equals(c.getString("status"))), body.encode());
            assertEquals(200, status(api, "/v2/"));
            assertEquals(200, status(debug, "/debug/health"));
        }
    }

    @Test
    void metricsCountRequestsAuthAndCacheHits() throws Exception {
        Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "alice:" + BCrypt.hashpw("pw-alice", BCrypt.gensalt(4)) + "\n");
        try (RunningRegistry registry = start("""
                auth:
                  htpasswd:
                    realm: metrics
                    path: %s
                """.formatted(htpasswd))) {
            RegistryHttp alice = new RegistryHttp(registry.url(), null, "alice", "pw-alice");
            alice.pushImage("metered/app", "v1", "layer".getBytes());
            for (int i = 0; i < 5; i++) {
                assertEquals(200, alice.get("/v2/metered/app/manifests/v1").statusCode());
            }
            assertEquals(401, new RegistryHttp(registry.url(), null, "alice", "wrong").get("/v2/").statusCode());
            String metrics = new String(new RegistryHttp("http://127.0.0.1:" + registry.debugPort()).get("/metrics").body());
            assertTrue(metrics.contains("registry_http_requests_seconds_count{method=\"GET\",route=\"manifest\",status=\"200\"} 5"), metrics);
            assertTrue(metrics.contains("route=\"upload_start\",status=\"201\""), "monolithic uploads: " + metrics);
            assertTrue(value(metrics, "registry_auth_cache_hits_total") >= 5, "repeated requests skip bcrypt");
            assertTrue(value(metrics, "registry_auth_attempts_total{outcome=\"failure\"}") >= 1);
            // Driver calls: the pushed layer was moved from its upload to its content address, and the manifest read.
            assertTrue(metrics.contains("registry_storage_operations_seconds_count{operation=\"move\",outcome=\"ok\"}"), metrics);
            assertTrue(metrics.contains("registry_storage_operations_seconds_count{operation=\"get_content\",outcome=\"ok\"}"), metrics);
            assertTrue(metrics.contains("registry_health_check_up{check=\"storagedriver_filesystem\"} 1.0"));
            assertTrue(metrics.contains("registry_uploads_in_progress 0.0"));
            assertTrue(metrics.contains("jvm_memory_used_bytes"));
            assertTrue(metrics.contains("process_cpu_usage"));
        }
    }

    private static double value(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(-1);
    }

    private static int status(RegistryHttp http, String path) {
        try {
            return http.get(path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 15 s");
            }
            Thread.sleep(50);
        }
    }
}
