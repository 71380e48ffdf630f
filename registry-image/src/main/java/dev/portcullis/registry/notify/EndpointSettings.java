package dev.portcullis.registry.notify;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One entry of {@code notifications.endpoints}, validated. Header values read from files and the signing secret are
 * secrets: {@link #toString()} names the files, never their content.
 *
 * @param headers      {@code headers} and {@code headerfiles} together: what every delivery carries
 * @param backlog      how many requests' events may wait in the outbox before new events are dropped (our key)
 * @param signingSecret the HMAC-SHA256 key from {@code signingsecretfile}, when set
 */
public record EndpointSettings(String name, URI url, Map<String, List<String>> headers, Duration timeout, int threshold,
                               Duration backoff, Set<String> ignoredMediaTypes, Set<String> ignoredActions,
                               boolean disabled, int backlog, Format format, Optional<byte[]> signingSecret,
                               Optional<EndpointTls> tls, Set<String> secretHeaderNames) {

    /** What a delivery's body looks like. */
    public enum Format {
        /** Distribution's envelope, {@code application/vnd.docker.distribution.events.v1+json}. */
        DISTRIBUTION,
        /** One CloudEvents 1.0 structured-mode JSON request per event. */
        CLOUDEVENTS
    }

    /** {@code tls}: the CA that signs the endpoint's certificate, and an optional client certificate. */
    public record EndpointTls(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {}

    /** Whether an event of this action and target media type goes to this endpoint. */
    public boolean accepts(String action, String mediaType) {
        return !ignoredActions.contains(action) && (mediaType == null || !ignoredMediaTypes.contains(mediaType));
    }

    @Override
    public String toString() {
        return "endpoint " + name + " (" + url + ", format " + format.name().toLowerCase(java.util.Locale.ROOT)
                + (signingSecret.isPresent() ? ", signed" : "") + ", secret headers " + secretHeaderNames + ")";
    }
}
