package dev.portcullis.registry.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.registry.clients.RegistryTarget;
import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.clients.Skopeo;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same {@code notifications} section in Distribution 2.8.2 and in Portcullis, the same skopeo session against each
 * (push a multi-arch image, pull it, copy it to another repository, delete it), and the events each receiver got
 * compared phase by phase. Ids, timestamps, addresses, ports and instance ids differ by nature and are blanked; the
 * order of events from concurrent requests (skopeo pushes layers in parallel) is not compared, the order a client can
 * rely on (a manifest after what it references) is.
 */
class DistributionNotificationParityTest {
    @TempDir
    Path tmp;

    private static final String SECTION = """
            notifications:
              events:
                includereferences: true
              endpoints:
                - name: parity
                  url: %s
                  timeout: 2s
                  threshold: 3
                  backoff: 100ms
                  headers:
                    X-Test: [parity]
            """;

    @Test
    void sameEventsAsDistributionForAMultiArchSession() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        Path layout = tmp.resolve("layout");
        String index = MultiArchLayout.write(layout, tmp.resolve("scratch"), 2, 0.02, 7);
        Map<String, List<String>> reference;
        Map<String, List<String>> ours;
        try (EventReceiver receiver = EventReceiver.start();
             DistributionProcess distribution = DistributionProcess.start(tmp.resolve("distribution"), """
                     version: 0.1
                     log:
                       level: warn
                     storage:
                       filesystem:
                         rootdirectory: ${ROOT}
                       delete:
                         enabled: true
                     http:
                       addr: 127.0.0.1:${PORT}
                     """ + SECTION.formatted(receiver.url()))) {
            reference = session(receiver, RegistryTarget.plainHttp(distribution.hostPort()), layout, index, "d");
        }
        try (EventReceiver receiver = EventReceiver.start();
             RunningRegistry portcullis = RunningRegistry.start(tmp.resolve("portcullis"), SECTION.formatted(receiver.url()))) {
            ours = session(receiver, RegistryTarget.plainHttp(portcullis.hostPort()), layout, index, "p");
        }
        for (String phase : reference.keySet()) {
            assertEquals(reference.get(phase), ours.get(phase), "phase " + phase + " differs from Distribution 2.8.2");
        }
        assertTrue(reference.get("push").size() >= 8, "the push phase produced the blob and manifest pushes: " + reference);
    }

    /** Runs the session and returns each phase's normalised events, sorted. */
    private Map<String, List<String>> session(EventReceiver receiver, RegistryTarget target, Path layout, String index,
                                              String skopeoDir) throws Exception {
        Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo-" + skopeoDir));
        Map<String, List<String>> phases = new LinkedHashMap<>();

        skopeo.copy(new Skopeo.OciDir(layout, "latest"), new Skopeo.Remote(target, "app:v1"), "--all");
        List<JsonNode> push = settle(receiver);
        assertManifestsAfterTheirReferences(push);
        phases.put("push", normalised(push, target));

        skopeo.copy(new Skopeo.Remote(target, "app:v1"), new Skopeo.OciDir(tmp.resolve("pulled-" + skopeoDir), "x"), "--all");
        phases.put("pull", normalised(settle(receiver), target));

        skopeo.copy(new Skopeo.Remote(target, "app:v1"), new Skopeo.Remote(target, "other:v2"), "--all");
        phases.put("copy", normalised(settle(receiver), target));

        HttpClient http = HttpClient.newHttpClient();
        int status = http.send(HttpRequest.newBuilder(URI.create(target.url() + "/v2/other/manifests/" + index)).DELETE()
                .header("User-Agent", "parity-test").build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        assertEquals(202, status);
        phases.put("delete", normalised(settle(receiver), target));
        return phases;
    }

    /** Waits for the events of a phase: until none has arrived for a while; then clears the receiver. */
    private static List<JsonNode> settle(EventReceiver receiver) throws InterruptedException {
        int seen = -1;
        long quietSince = System.currentTimeMillis();
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            int now = receiver.events().size();
            if (now != seen) {
                seen = now;
                quietSince = System.currentTimeMillis();
            } else if (now > 0 && System.currentTimeMillis() - quietSince > 2000) {
                break;
            }
            Thread.sleep(100);
        }
        List<JsonNode> events = receiver.events();
        for (EventReceiver.Delivery d : receiver.deliveries()) {
            assertEquals("parity", d.header("X-Test"), "the configured header");
            assertEquals(EventRecords.ENVELOPE_TYPE, d.header("Content-Type"));
        }
        receiver.clear();
        return events;
    }

    private static void assertManifestsAfterTheirReferences(List<JsonNode> events) {
        List<String> seen = new ArrayList<>();
        for (JsonNode e : events) {
            JsonNode t = e.path("target");
            for (JsonNode ref : t.path("references")) {
                assertTrue(seen.contains(ref.path("digest").asText()),
                        "manifest " + t.path("digest").asText() + " was announced before its reference " + ref);
            }
            seen.add(t.path("digest").asText());
        }
    }

    private static List<String> normalised(List<JsonNode> events, RegistryTarget target) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : events) {
            ObjectNode n = e.deepCopy();
            n.remove("id");
            n.remove("timestamp");
            n.remove("source");
            ObjectNode request = (ObjectNode) n.path("request");
            request.remove("id");
            request.remove("addr");
            request.put("host", request.path("host").asText().replace(target.hostPort(), "HOST"));
            ObjectNode t = (ObjectNode) n.path("target");
            if (t.has("url")) {
                t.put("url", t.get("url").asText().replace(target.hostPort(), "HOST"));
            }
            out.add(n.toString());
        }
        out.sort(null);
        return out;
    }
}
