package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas on one bucket share each endpoint's outbox: one of them (the lease holder) delivers what both wrote, each
 * event once; when it stops, the other delivers what is left.
 */
class S3ReplicaNotificationTest {
    @TempDir
    Path dir;

    private static String section(String url) {
        return """
                notifications:
                  endpoints:
                    - name: shared
                      url: %s
                      threshold: 2
                      backoff: 200ms
                """.formatted(url);
    }

    @Test
    void twoReplicasDeliverEachEventOnce() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3"));
             EventReceiver receiver = EventReceiver.start()) {
            String bucket = s3.createBucket();
            Set<String> pushed = new HashSet<>();
            try (RunningRegistry a = RunningRegistry.startS3(dir.resolve("a"), s3, bucket, false, section(receiver.url()));
                 RunningRegistry b = RunningRegistry.startS3(dir.resolve("b"), s3, bucket, false, section(receiver.url()))) {
                for (int i = 0; i < 15; i++) {
                    pushed.add(RegistryPushes.pushBlob(a.url(), "replicas/app", 1024, i));
                    pushed.add(RegistryPushes.pushBlob(b.url(), "replicas/app", 1024, 100 + i));
                }
                List<JsonNode> events = receiver.await(e -> digestsOf(e).containsAll(pushed), Duration.ofSeconds(60));
                Thread.sleep(3000); // time for a second delivery of anything, were one to come
                events = receiver.events();
                long duplicates = events.size() - events.stream().map(e -> e.path("id").asText()).distinct().count();
                Set<String> instances = new HashSet<>();
                events.forEach(e -> instances.add(e.path("source").path("instanceID").asText()));
                System.out.println("two replicas on S3: " + pushed.size() + " events, " + events.size() + " delivered, "
                        + duplicates + " duplicates");
                assertEquals(2, instances.size(), "both replicas' events are there");
                assertEquals(0, duplicates, "each event delivered once in normal operation");
                assertEquals(pushed.size(), events.size());

                // The other replica takes over what one wrote while the endpoint was down, once that one is gone.
                receiver.clear();
                receiver.down();
                Set<String> later = new HashSet<>();
                for (int i = 0; i < 5; i++) {
                    later.add(RegistryPushes.pushBlob(a.url(), "replicas/app", 1024, 200 + i));
                }
                a.close();
                receiver.up();
                List<JsonNode> rest = receiver.await(e -> digestsOf(e).containsAll(later), Duration.ofSeconds(60));
                assertTrue(rest.size() >= later.size());
            }
        }
    }

    private static Set<String> digestsOf(List<JsonNode> events) {
        Set<String> out = new HashSet<>();
        events.forEach(e -> out.add(e.path("target").path("digest").asText()));
        return out;
    }
}
