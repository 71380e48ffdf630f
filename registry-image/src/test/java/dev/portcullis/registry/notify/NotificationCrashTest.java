package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the registry after it acknowledged pushes whose events it could not deliver yet (the endpoint is down):
 * after a restart on the same storage, every one of them arrives.
 */
class NotificationCrashTest {
    @TempDir
    Path dir;

    private RegistryProcess start(int port, String receiverUrl) throws Exception {
        Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                notifications:
                  endpoints:
                    - name: crash
                      url: %s
                      threshold: 2
                      backoff: 200ms
                """.formatted(dir.resolve("storage"), port, receiverUrl));
        RegistryProcess p = RegistryProcess.start(dir, List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"), Map.of(),
                "serve", dir.resolve("config.yml").toString());
        p.awaitListening(port, Duration.ofSeconds(60));
        return p;
    }

    @Test
    void eventsAcknowledgedBeforeAKillArriveAfterTheRestart() throws Exception {
        int port = DistributionProcess.freePort();
        try (EventReceiver receiver = EventReceiver.start()) {
            receiver.down();
            Set<String> pushed = new HashSet<>();
            try (RegistryProcess registry = start(port, receiver.url())) {
                for (int i = 0; i < 10; i++) {
                    pushed.add(RegistryPushes.pushBlob("http://127.0.0.1:" + port, "crash/app", 1024, i));
                }
                registry.kill();
            }
            receiver.up();
            try (RegistryProcess restarted = start(port, receiver.url())) {
                // The killed process's delivery lease must expire first (EndpointDispatcher.LEASE_TTL).
                List<JsonNode> events = receiver.await(e -> digests(e).containsAll(pushed), Duration.ofSeconds(60));
                assertEquals(pushed, digests(events));
                long duplicates = events.size() - events.stream().map(e -> e.path("id").asText()).distinct().count();
                System.out.println("kill -9 then restart: " + pushed.size() + " acknowledged, " + events.size()
                        + " delivered, " + duplicates + " duplicates");
                assertTrue(events.stream().allMatch(e -> e.path("action").asText().equals("push")));
                restarted.terminate(Duration.ofSeconds(30));
            }
        }
    }

    private static Set<String> digests(List<JsonNode> events) {
        Set<String> out = new HashSet<>();
        events.forEach(e -> out.add(e.path("target").path("digest").asText()));
        return out;
    }
}
