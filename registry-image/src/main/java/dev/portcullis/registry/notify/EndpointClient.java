package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends one outbox entry to one endpoint: Distribution's envelope as it is stored, or each event as a CloudEvent in
 * structured JSON mode. Any 2xx or 3xx answer is success, as in Distribution; anything else, or no answer within the
 * endpoint's {@code timeout}, is a failure to retry.
 */
final class EndpointClient {
    static final String CLOUDEVENT_TYPE_PREFIX = "dev.portcullis.registry.";
    private static final JsonFormat CLOUDEVENTS_JSON = new JsonFormat();

    private final EndpointSettings settings;
    private final HttpClient http;
    private final URI source;

    /** @param source the CloudEvents {@code source}: the registry's external URL, or {@code //HOST:PORT} */
    EndpointClient(String key, EndpointSettings settings, URI source) {
        this.settings = settings;
        this.source = source;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        settings.tls().ifPresent(tls -> b.sslContext(EndpointTlsContext.create(key, tls)));
        this.http = b.build();
    }

    /**
     * Delivers the entries, oldest first, and returns how many events they hold. In Distribution's format they go in
     * one request (one entry as it was stored, several with their events in one envelope); CloudEvents one per event.
     */
    int deliver(List<byte[]> entries) throws IOException, InterruptedException {
        List<JsonNode> events = new ArrayList<>();
        for (byte[] entry : entries) {
            EventRecords.JSON.readTree(entry).path("events").forEach(events::add);
        }
        if (settings.format() == EndpointSettings.Format.DISTRIBUTION) {
            post(entries.size() == 1 ? entries.get(0) : envelope(events), EventRecords.ENVELOPE_TYPE);
        } else {
            for (byte[] ce : cloudEvents(events)) {
                post(ce, JsonFormat.CONTENT_TYPE);
            }
        }
        return events.size();
    }

    private static byte[] envelope(List<JsonNode> events) throws IOException {
        var root = EventRecords.JSON.createObjectNode();
        root.putArray("events").addAll(events);
        return EventRecords.JSON.writeValueAsBytes(root);
    }

    private List<byte[]> cloudEvents(List<JsonNode> events) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (JsonNode e : events) {
            JsonNode target = e.path("target");
            String subject = target.path("repository").asText()
                    + (target.hasNonNull("tag") ? ":" + target.get("tag").asText()
                    : target.hasNonNull("digest") ? "@" + target.get("digest").asText() : "");
            CloudEvent ce = CloudEventBuilder.v1()
                    .withId(e.path("id").asText())
                    .withSource(source)
                    .withType(CLOUDEVENT_TYPE_PREFIX + e.path("action").asText())
                    .withTime(OffsetDateTime.parse(e.path("timestamp").asText()))
                    .withSubject(subject)
                    .withDataContentType("application/json")
                    .withData(EventRecords.JSON.writeValueAsBytes(e))
                    .build();
            out.add(CLOUDEVENTS_JSON.serialize(ce));
        }
        return out;
    }

    private void post(byte[] body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(settings.url())
                .timeout(settings.timeout())
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        settings.headers().forEach((name, values) -> values.forEach(v -> req.header(name, v)));
        settings.signingSecret().ifPresent(secret -> req.header(DeliverySignature.HEADER, DeliverySignature.of(secret, body)));
        HttpResponse<Void> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException("no answer within " + settings.timeout().toMillis() + " ms", e);
        }
        if (resp.statusCode() < 200 || resp.statusCode() >= 400) {
            throw new IOException("answered " + resp.statusCode());
        }
    }

}
