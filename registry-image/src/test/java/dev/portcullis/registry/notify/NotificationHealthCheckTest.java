package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint backing off shows on /readyz as a failing {@code notifications_NAME} check with the registry's reason,
 * while the registry stays ready and serving (the operator turns the check into its NotificationsDegraded condition).
 */
class NotificationHealthCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aFailingEndpointIsReportedOnReadyzWithoutMakingTheRegistryUnready() throws Exception {
        try (EventReceiver receiver = EventReceiver.start();
             RunningRegistry registry = RunningRegistry.start(tmp, """
                   debug:
                     addr: 127.0.0.1:0
                     prometheus:
                       enabled: true
                 notifications:
                   endpoints:
                     - name: ci
                       url: %s
                       timeout: 500ms
                       threshold: 2
                       backoff: 100ms
                 """.formatted(receiver.url()))) {
            HttpClient http = HttpClient.newHttpClient();
            JsonNode healthy = awaitCheck(http, registry, c -> "ok".equals(c.path("status").asText()));
            assertEquals("ok", healthy.path("status").asText());

            receiver.answer(500);
            RegistryPushes.pushBlob(registry.url(), "health/app", 1024, 1);
            JsonNode failing = awaitCheck(http, registry, c -> "failing".equals(c.path("status").asText()));
            String message = check(failing).path("message").asText();
            assertTrue(message.contains("endpoint ci failed") && message.contains("retrying with backoff"), message);
            HttpResponse<String> ready = get(http, registry, "/readyz");
            assertEquals(200, ready.statusCode(), "a failing endpoint does not make the registry unready: " + ready.body());
            assertEquals("ok", JSON.readTree(ready.body()).path("status").asText());
            assertEquals(200, get(http, registry, "/debug/health").statusCode(), "nor Distribution's health unhealthy");
            RegistryPushes.pushBlob(registry.url(), "health/app", 1024, 2);

            receiver.answer(200);
            awaitCheck(http, registry, c -> "ok".equals(c.path("status").asText()));
            assertEquals(0.0, RegistryPushes.metric(registry.debugPort(), "registry_notifications_failing{endpoint=\"ci\"}"),
                    "the failing gauge cleared with the check");
        }
    }

    private static HttpResponse<String> get(HttpClient http, RunningRegistry registry, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(registry.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode check(JsonNode readyz) {
        for (JsonNode c : readyz.path("checks")) {
            if ("notifications_ci".equals(c.path("name").asText())) {
                return c;
            }
        }
        return JSON.createObjectNode();
    }

    /** Polls /readyz until the endpoint's check matches (it runs every 5 s), returning the whole body. */
    private static JsonNode awaitCheck(HttpClient http, RunningRegistry registry, Predicate<JsonNode> wanted)
            throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        JsonNode body;
        do {
            body = JSON.readTree(get(http, registry, "/readyz").body());
            if (wanted.test(check(body))) {
                return body;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("notifications_ci never matched: " + body);
    }
}
