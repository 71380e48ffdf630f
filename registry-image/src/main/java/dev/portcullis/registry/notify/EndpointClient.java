package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;
import java.net.URI;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends outbox entries to one endpoint: Distribution's envelope as it is stored, or each event as a CloudEvent in
 * structured JSON mode. Any 2xx or 3xx answer is success, as in Distribution; anything else, or no answer within the
 * endpoint's {@code timeout}, is a failure to retry.
 */
final class EndpointClient {
    static final String CLOUDEVENT_TYPE_PREFIX = "dev.portcullis.registry.";
    private static final JsonFormat CLOUDEVENTS_JSON = new JsonFormat();

    private final EndpointSettings settings;
    private final java.net.URL url;
    private final SSLSocketFactory tls;
    private final URI source;

    /** @param source the CloudEvents {@code source}: the registry's external URL, or {@code //HOST:PORT} */
    EndpointClient(String key, EndpointSettings settings, URI source) {
        this.settings = settings;
        this.source = source;
        try {
            this.url = settings.url().toURL();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new dev.portcullis.registry.config.ConfigException(key + ".url", "'" + settings.url() + "' is not a URL: " + e.getMessage());
        }
        this.tls = settings.tls().map(t -> EndpointTlsContext.create(key, t).getSocketFactory()).orElse(null);
    }

    /**
     * Delivers the events, oldest first: in Distribution's format in one request, the envelope's bytes as they were
     * stored or joined; as CloudEvents one request per event.
     */
    void deliver(EventEnvelope events) throws IOException {
        if (settings.format() == EndpointSettings.Format.DISTRIBUTION) {
            post(events.json(), EventRecords.ENVELOPE_TYPE);
        } else {
            for (byte[] ce : cloudEvents(events.eventNodes())) {
                post(ce, JsonFormat.CONTENT_TYPE);
            }
        }
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

    /**
     * One POST on the calling thread. HttpURLConnection rather than java.net.http: a blocking exchange on the
     * dispatcher's own thread, with the connection kept alive between deliveries, costs measurably less CPU per event
     * than the asynchronous client's hand-offs between its selector and executor threads.
     */
    private void post(byte[] body, String contentType) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
        if (tls != null && c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls);
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        c.setConnectTimeout(timeout);
        c.setReadTimeout(timeout);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        c.setRequestProperty("Content-Type", contentType);
        settings.headers().forEach((name, values) -> values.forEach(v -> c.addRequestProperty(name, v)));
        settings.signingSecret().ifPresent(secret -> c.setRequestProperty(DeliverySignature.HEADER, DeliverySignature.of(secret, body)));
        int status;
        try {
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            status = c.getResponseCode();
            // Read to the end so that the connection goes back to the keep-alive cache for the next delivery.
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
        } catch (SocketTimeoutException e) {
            c.disconnect();
            throw new IOException("no answer within " + timeout + " ms", e);
        }
        if (status < 200 || status >= 400) {
            throw new IOException("answered " + status);
        }
    }
}
