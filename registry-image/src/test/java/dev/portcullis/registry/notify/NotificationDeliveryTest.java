package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery against a real receiver that goes down, fails, hangs, wants TLS or checks signatures. Pushes are plain
 * monolithic blob uploads, one event each, so counts are exact.
 */
class NotificationDeliveryTest {
    @TempDir
    Path tmp;

    private static String debugAndEndpoint(String endpointYaml) {
        return """
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                notifications:
                  endpoints:
                """ + endpointYaml.indent(4);
    }

    @Test
    void receiverDownForThirtySecondsGetsEveryEventOnceItIsBack() throws Exception {
        try (EventReceiver receiver = EventReceiver.start();
             RunningRegistry registry = RunningRegistry.start(tmp, debugAndEndpoint("""
                     - name: outage
                       url: %s
                       timeout: 1s
                       threshold: 3
                       backoff: 200ms
                     """.formatted(receiver.url())))) {
            receiver.down();
            Set<String> pushed = new HashSet<>();
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                pushed.add(RegistryPushes.pushBlob(registry.url(), "outage/app", 2048, i));
            }
            long pushMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(pushMillis < 15_000, "pushes were not held back by the dead endpoint: " + pushMillis + " ms");
            Thread.sleep(30_000);
            assertTrue(RegistryPushes.metric(registry.debugPort(), "registry_notifications_failed_total{endpoint=\"outage\"}") > 0);
            assertEquals(20.0, RegistryPushes.metric(registry.debugPort(), "registry_notifications_pending{endpoint=\"outage\"}"));
            receiver.up();
            List<JsonNode> events = receiver.await(e -> digests(e).containsAll(pushed), Duration.ofSeconds(90));
            Map<String, Integer> perId = new HashMap<>();
            events.forEach(e -> perId.merge(e.path("id").asText(), 1, Integer::sum));
            long duplicates = perId.values().stream().filter(n -> n > 1).count();
            System.out.println("receiver down 30 s: " + pushed.size() + " events pushed, " + events.size()
                    + " received, " + duplicates + " duplicated");
            assertEquals(pushed.size(), events.size(), "every event once (no duplicates in a single-replica outage)");
            assertEquals(digestsInOrder(events), pushedOrder(events), "delivered in the order they were pushed");
            awaitMetric(registry.debugPort(), "registry_notifications_pending{endpoint=\"outage\"}", 0.0);
            assertEquals(20.0, RegistryPushes.metric(registry.debugPort(), "registry_notifications_delivered_total{endpoint=\"outage\"}"));
        }
    }

    @Test
    void aReceiverAnsweringErrorsOrHangingNeverBlocksPushes() throws Exception {
        try (EventReceiver receiver = EventReceiver.start();
             RunningRegistry registry = RunningRegistry.start(tmp, debugAndEndpoint("""
                     - name: bad
                       url: %s
                       timeout: 500ms
                       threshold: 2
                       backoff: 100ms
                     """.formatted(receiver.url())))) {
            List<String> pushed = new ArrayList<>();
            int seed = 0;
            for (int status : new int[] {500, 404, 401}) {
                receiver.answer(status);
                long start = System.nanoTime();
                for (int i = 0; i < 5; i++) {
                    pushed.add(RegistryPushes.pushBlob(registry.url(), "bad/app", 1024, seed++));
                }
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 5000, "5 pushes took " + millis + " ms while the receiver answered " + status);
            }
            receiver.answer(200);
            receiver.hang(true);
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                pushed.add(RegistryPushes.pushBlob(registry.url(), "bad/app", 1024, seed++));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5000, "5 pushes took " + millis + " ms while the receiver hung");
            // The dispatcher counts failures as it delivers, after the pushes were answered: wait for the count.
            java.time.Instant countDeadline = java.time.Instant.now().plusSeconds(30);
            double failed;
            while ((failed = RegistryPushes.metric(registry.debugPort(),
                    "registry_notifications_failed_total{endpoint=\"bad\"}")) < 3
                    && java.time.Instant.now().isBefore(countDeadline)) {
                Thread.sleep(100);
            }
            assertTrue(failed >= 3, "failed deliveries counted: " + failed);
            receiver.hang(false);
            List<JsonNode> events = receiver.await(e -> digests(e).containsAll(pushed), Duration.ofSeconds(60));
            assertEquals(pushed, digestsInOrder(events).stream().distinct().toList(), "all of them, in push order");
        }
    }

    @Test
    void aFullBacklogDropsNewEventsCountsAndLogsThem() throws Exception {
        List<String> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger outboxLog = Logger.getLogger(Outbox.class.getName());
        outboxLog.addHandler(capture);
        try (EventReceiver receiver = EventReceiver.start();
             RunningRegistry registry = RunningRegistry.start(tmp, debugAndEndpoint("""
                     - name: small
                       url: %s
                       backlog: 3
                       backoff: 10s
                       threshold: 1
                     """.formatted(receiver.url())))) {
            receiver.down();
            List<String> pushed = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pushed.add(RegistryPushes.pushBlob(registry.url(), "small/app", 512, i));
            }
            assertEquals(2.0, RegistryPushes.metric(registry.debugPort(), "registry_notifications_dropped_total{endpoint=\"small\"}"));
            assertEquals(3.0, RegistryPushes.metric(registry.debugPort(), "registry_notifications_pending{endpoint=\"small\"}"));
            assertTrue(logged.stream().anyMatch(m -> m.contains("endpoint small has 3 entries waiting (its backlog);"
                    + " dropped 1 new events")), logged.toString());
            receiver.up();
            List<JsonNode> events = receiver.await(e -> e.size() >= 3, Duration.ofSeconds(60));
            assertEquals(pushed.subList(0, 3), digestsInOrder(events), "the queued ones are kept, the newest dropped");
        } finally {
            outboxLog.removeHandler(capture);
        }
    }

    @Test
    void cloudEventsSignedOverTlsWithAClientCertificate() throws Exception {
        TestPki pki = new TestPki(tmp.resolve("pki"), "receiver-ca");
        TestPki.Issued server = pki.server(tmp.resolve("pki"), "receiver");
        TestPki.Issued client = pki.issue(tmp.resolve("pki"), "registry", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT,
                java.time.Instant.now().plus(Duration.ofDays(1)));
        Path secret = Files.writeString(tmp.resolve("signing-secret"), "a-random-secret-of-32-bytes-long!\n");
        try (EventReceiver receiver = EventReceiver.startTls(
                TlsContexts.withClientCertificate(pki.caFile(), server.cert(), server.key()));
             RunningRegistry registry = RunningRegistry.start(tmp, debugAndEndpoint("""
                     - name: secure
                       url: %s
                       format: cloudevents
                       signingsecretfile: %s
                       tls:
                         ca: %s
                         certificate: %s
                         key: %s
                     """.formatted(receiver.url(), secret, pki.caFile(), client.cert(), client.key())))) {
            String digest = RegistryPushes.pushBlob(registry.url(), "secure/app", 4096, 1);
            receiver.await(e -> !receiver.deliveries().isEmpty(), Duration.ofSeconds(30));
            EventReceiver.Delivery d = receiver.deliveries().get(0);
            assertEquals("application/cloudevents+json", d.header("Content-Type"));
            JsonNode ce = d.json();
            assertEquals("1.0", ce.path("specversion").asText());
            assertEquals("dev.portcullis.registry.push", ce.path("type").asText());
            assertEquals("secure/app@" + digest, ce.path("subject").asText());
            assertEquals("application/json", ce.path("datacontenttype").asText());
            assertEquals(digest, ce.path("data").path("target").path("digest").asText(), ce.toString());
            assertEquals(ce.path("id").asText(), ce.path("data").path("id").asText(), "the CloudEvent id is the event's");
            assertFalse(ce.path("source").asText().isEmpty());
            String signature = d.header(DeliverySignature.HEADER);
            assertNotNull(signature, "signed");
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("a-random-secret-of-32-bytes-long!".getBytes(), "HmacSHA256"));
            String expected = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(d.body()));
            assertTrue(MessageDigest.isEqual(expected.getBytes(), signature.getBytes()), "signature over the exact body");
        }
    }

    @Test
    void anEndpointWhoseCertificateTheCaDidNotSignGetsNothing() throws Exception {
        TestPki pki = new TestPki(tmp.resolve("pki"), "receiver-ca");
        TestPki other = new TestPki(tmp.resolve("other"), "other-ca");
        TestPki.Issued server = other.server(tmp.resolve("other"), "impostor");
        TestPki.Issued client = pki.issue(tmp.resolve("pki"), "registry", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT,
                java.time.Instant.now().plus(Duration.ofDays(1)));
        try (EventReceiver receiver = EventReceiver.startTls(
                TlsContexts.withClientCertificate(pki.caFile(), server.cert(), server.key()));
             RunningRegistry registry = RunningRegistry.start(tmp, debugAndEndpoint("""
                     - name: pinned
                       url: %s
                       threshold: 1
                       tls:
                         ca: %s
                         certificate: %s
                         key: %s
                     """.formatted(receiver.url(), pki.caFile(), client.cert(), client.key())))) {
            RegistryPushes.pushBlob(registry.url(), "pinned/app", 100, 1);
            awaitAtLeast(registry.debugPort(), "registry_notifications_failed_total{endpoint=\"pinned\"}", 1.0);
            assertTrue(receiver.deliveries().isEmpty());
            assertEquals(1.0, RegistryPushes.metric(registry.debugPort(), "registry_notifications_pending{endpoint=\"pinned\"}"));
        }
    }

    @Test
    void aForeignFileInTheOutboxIsRemovedInsteadOfBlockingTheEndpoint() throws Exception {
        try (EventReceiver receiver = EventReceiver.start();
             RunningRegistry registry = RunningRegistry.start(tmp, debugAndEndpoint("""
                     - name: tidy
                       url: %s
                     """.formatted(receiver.url())))) {
            Path outbox = registry.storageRoot().resolve("docker/registry/v2/_notifications")
                    .resolve(Notifications.storageId("tidy"));
            Files.writeString(outbox.resolve("0000000000000-garbage-0000000000"), "not an envelope");
            String digest = RegistryPushes.pushBlob(registry.url(), "tidy/app", 64, 1);
            receiver.await(e -> digests(e).contains(digest), Duration.ofSeconds(30));
            assertFalse(Files.exists(outbox.resolve("0000000000000-garbage-0000000000")));
        }
    }

    @Test
    void retriesBackOffFromTheThresholdOnDoublingUpToAMinute() {
        EndpointSettings s = NotificationSettings.from(dev.portcullis.registry.config.ConfigTree.parse("""
                notifications:
                  endpoints:
                    - name: b
                      url: http://127.0.0.1:9/
                      threshold: 3
                      backoff: 1s
                """, "test")).endpoints().get(0);
        EndpointDispatcher d = new EndpointDispatcher(s, null, null, null, null, "notify-b");
        assertEquals(List.of(50L, 50L, 1000L, 2000L, 4000L, 32_000L, 60_000L, 60_000L),
                java.util.stream.IntStream.of(1, 2, 3, 4, 5, 8, 9, 500).mapToObj(d::delayAfter).toList());
    }

    private static Set<String> digests(List<JsonNode> events) {
        Set<String> out = new HashSet<>();
        events.forEach(e -> out.add(e.path("target").path("digest").asText()));
        return out;
    }

    private static List<String> digestsInOrder(List<JsonNode> events) {
        return events.stream().map(e -> e.path("target").path("digest").asText()).toList();
    }

    /** The digests in the order their requests were made (the request timestamps). */
    private static List<String> pushedOrder(List<JsonNode> events) {
        return events.stream().sorted(java.util.Comparator.comparing(e -> java.time.Instant.parse(e.path("timestamp").asText())))
                .map(e -> e.path("target").path("digest").asText()).toList();
    }

    private static void awaitMetric(int port, String sample, double value) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (RegistryPushes.metric(port, sample) != value) {
            if (System.currentTimeMillis() > deadline) {
                assertEquals(value, RegistryPushes.metric(port, sample), sample);
            }
            Thread.sleep(100);
        }
    }

    private static void awaitAtLeast(int port, String sample, double value) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (RegistryPushes.metric(port, sample) < value) {
            assertTrue(System.currentTimeMillis() < deadline, sample + " stayed below " + value);
            Thread.sleep(100);
        }
    }
}
