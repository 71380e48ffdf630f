package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.StoredManifest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a request's events into one outbox entry per endpoint that wants any of them (after its {@code ignore} rules),
 * written before the handler replies.
 */
final class OutboxNotifier implements Notifier {
    /** An endpoint as the request path sees it: what it accepts, where its entries go, whom to wake. */
    record Outlet(EndpointSettings settings, Outbox outbox, EndpointDispatcher dispatcher) {}

    private final List<Outlet> outlets;
    private final EventRecords records;
    private final Optional<String> externalUrl;
    private final String prefix;

    OutboxNotifier(List<Outlet> outlets, EventRecords records, Optional<String> externalUrl, String prefix) {
        this.outlets = outlets;
        this.records = records;
        this.externalUrl = externalUrl;
        this.prefix = prefix;
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public void manifestPushed(RoutingContext ctx, RepositoryName repo, StoredManifest m, List<String> tags) throws IOException {
        RequestRecord r = request(ctx);
        List<ObjectNode> events = new ArrayList<>();
        for (String tag : tags.isEmpty() ? java.util.Collections.<String>singletonList(null) : tags) {
            events.add(records.event("push", r, records.manifest(r, repo, m.digest(), m.mediaType(), m.content(), tag)));
        }
        emit(events);
    }

    @Override
    public void manifestPulled(RoutingContext ctx, RepositoryName repo, StoredManifest m, String tag) throws IOException {
        RequestRecord r = request(ctx);
        emit(List.of(records.event("pull", r, records.manifest(r, repo, m.digest(), m.mediaType(), m.content(), tag))));
    }

    @Override
    public void manifestDeleted(RoutingContext ctx, RepositoryName repo, Digest digest, List<String> untagged) throws IOException {
        RequestRecord r = request(ctx);
        List<ObjectNode> events = new ArrayList<>();
        events.add(records.event("delete", r, records.deleted(repo, digest, null)));
        for (String tag : untagged) {
            events.add(records.event("delete", r, records.deleted(repo, null, tag)));
        }
        emit(events);
    }

    @Override
    public void tagDeleted(RoutingContext ctx, RepositoryName repo, String tag) throws IOException {
        emit(List.of(records.event("delete", request(ctx), records.deleted(repo, null, tag))));
    }

    @Override
    public void blobPushed(RoutingContext ctx, RepositoryName repo, Digest digest, long size) throws IOException {
        RequestRecord r = request(ctx);
        emit(List.of(records.event("push", r, records.blob(r, repo, digest, size))));
    }

    @Override
    public void blobPulled(RoutingContext ctx, RepositoryName repo, Digest digest, long size) throws IOException {
        RequestRecord r = request(ctx);
        emit(List.of(records.event("pull", r, records.blob(r, repo, digest, size))));
    }

    @Override
    public void blobMounted(RoutingContext ctx, RepositoryName repo, RepositoryName from, Digest digest, long size)
            throws IOException {
        RequestRecord r = request(ctx);
        ObjectNode target = records.blob(r, repo, digest, size);
        // Distribution's field order: fromRepository sits between repository and url.
        String url = target.remove("url").asText();
        target.put("fromRepository", from.value());
        target.put("url", url);
        emit(List.of(records.event("mount", r, target)));
    }

    @Override
    public void blobDeleted(RoutingContext ctx, RepositoryName repo, Digest digest) throws IOException {
        emit(List.of(records.event("delete", request(ctx), records.deleted(repo, digest, null))));
    }

    private RequestRecord request(RoutingContext ctx) {
        return RequestRecord.of(ctx, externalUrl, prefix);
    }

    /** Each event is serialised once, whichever endpoints want it. */
    private void emit(List<ObjectNode> events) throws IOException {
        byte[][] serialised = new byte[events.size()][];
        for (Outlet o : outlets) {
            List<byte[]> wanted = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                ObjectNode e = events.get(i);
                var mediaType = e.path("target").path("mediaType");
                if (o.settings().accepts(e.path("action").asText(), mediaType.isMissingNode() ? null : mediaType.asText())) {
                    if (serialised[i] == null) {
                        serialised[i] = EventRecords.JSON.writeValueAsBytes(e);
                    }
                    wanted.add(serialised[i]);
                }
            }
            if (!wanted.isEmpty() && o.outbox().append(EventEnvelope.of(wanted))) {
                o.dispatcher().signal();
            }
        }
    }
}
