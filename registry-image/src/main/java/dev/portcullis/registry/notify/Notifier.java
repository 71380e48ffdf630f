package dev.portcullis.registry.notify;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.StoredManifest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;

/**
 * The registry's events, one call per request that causes them, made where Distribution 2.8 makes them. A call
 * returns once the events are durably in every interested endpoint's outbox: handlers call it before they reply, so an
 * acknowledged request never loses its event. A failure to write the outbox fails the request (the client retries).
 */
public interface Notifier {
    /** Nothing configured: every call is free. */
    Notifier NONE = new Notifier() {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public void manifestPushed(RoutingContext ctx, RepositoryName repo, StoredManifest manifest, List<String> tags) {}

        @Override
        public void manifestPulled(RoutingContext ctx, RepositoryName repo, StoredManifest manifest, String tag) {}

        @Override
        public void manifestDeleted(RoutingContext ctx, RepositoryName repo, Digest digest, List<String> untagged) {}

        @Override
        public void tagDeleted(RoutingContext ctx, RepositoryName repo, String tag) {}

        @Override
        public void blobPushed(RoutingContext ctx, RepositoryName repo, Digest digest, long size) {}

        @Override
        public void blobPulled(RoutingContext ctx, RepositoryName repo, Digest digest, long size) {}

        @Override
        public void blobMounted(RoutingContext ctx, RepositoryName repo, RepositoryName from, Digest digest, long size) {}

        @Override
        public void blobDeleted(RoutingContext ctx, RepositoryName repo, Digest digest) {}
    };

    /** False when no endpoint is configured, so a handler can skip work done only for an event. */
    boolean active();

    /** A manifest stored; one event per tag it was stored under, or one without a tag. */
    void manifestPushed(RoutingContext ctx, RepositoryName repo, StoredManifest manifest, List<String> tags) throws IOException;

    /** A manifest served (GET or HEAD, as Distribution); {@code tag} is null when it was asked for by digest. */
    void manifestPulled(RoutingContext ctx, RepositoryName repo, StoredManifest manifest, String tag) throws IOException;

    /** A manifest deleted by digest, with the tags that pointed at it and went with it. */
    void manifestDeleted(RoutingContext ctx, RepositoryName repo, Digest digest, List<String> untagged) throws IOException;

    /** A tag deleted on its own ({@code DELETE /manifests/TAG}, which Distribution 2.8 refuses). */
    void tagDeleted(RoutingContext ctx, RepositoryName repo, String tag) throws IOException;

    void blobPushed(RoutingContext ctx, RepositoryName repo, Digest digest, long size) throws IOException;

    /** A blob served (GET or HEAD of an existing blob, as Distribution). */
    void blobPulled(RoutingContext ctx, RepositoryName repo, Digest digest, long size) throws IOException;

    void blobMounted(RoutingContext ctx, RepositoryName repo, RepositoryName from, Digest digest, long size) throws IOException;

    void blobDeleted(RoutingContext ctx, RepositoryName repo, Digest digest) throws IOException;
}
