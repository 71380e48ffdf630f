package dev.portcullis.registry.api;

import dev.portcullis.registry.notify.Notifier;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.proxy.CacheTarget;
import dev.portcullis.registry.proxy.PullThroughCache;
import dev.portcullis.registry.storage.StoredManifest;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Optional;

/**
 * Manifest and blob pulls of a cached repository ({@link PullThroughCache}); hosted repositories never get here.
 * The repository of the request is resolved once: containerd's {@code ?ns=} names the upstream, or the name's prefix.
 */
final class CacheHandler {
    private final PullThroughCache cache;
    private final BlobHandler blobs;
    private final Notifier events;

    /** @param events told of each pull, under the name the repository is stored as (a stored blob: by {@code blobs}) */
    CacheHandler(PullThroughCache cache, BlobHandler blobs, Notifier events) {
        this.cache = cache;
        this.blobs = blobs;
        this.events = events;
    }

    Optional<CacheTarget> target(RoutingContext ctx) {
        return cache.route(Params.repository(ctx).value(), Params.query(ctx, "ns"));
    }

    Reply manifest(RoutingContext ctx, CacheTarget target) throws IOException {
        String reference = ctx.pathParam("reference");
        StoredManifest m = cache.manifest(target, reference);
        events.manifestPulled(ctx, RepositoryName.parse(target.localRepository()), m,
                Digest.looksLikeDigest(reference) ? null : reference);
        Reply reply = Reply.status(200)
                .header("Docker-Content-Digest", m.digest())
                .header("ETag", "\"" + m.digest() + "\"");
        if (ctx.request().method() == HttpMethod.HEAD) {
            return reply.header("Content-Type", m.mediaType()).headOnly(m.content().length);
        }
        return reply.body(m.content(), m.mediaType());
    }

    Reply blob(RoutingContext ctx, CacheTarget target) throws IOException {
        Digest digest = Params.digest(ctx, "digest");
        boolean head = ctx.request().method() == HttpMethod.HEAD;
        PullThroughCache.BlobAnswer answer = cache.blob(target, digest, head);
        if (answer instanceof PullThroughCache.Stored) {
            return blobs.get(ctx, RepositoryName.parse(target.localRepository()));
        }
        // Arriving from the upstream: whole blobs only (a Range is answered once the blob is stored).
        long size = answer instanceof PullThroughCache.Arriving arriving ? arriving.size()
                : ((PullThroughCache.Remote) answer).size();
        events.blobPulled(ctx, RepositoryName.parse(target.localRepository()), digest, size);
        Reply reply = Reply.status(200)
                .header("Docker-Content-Digest", digest)
                .header("Content-Type", "application/octet-stream")
                .header("ETag", "\"" + digest + "\"");
        if (answer instanceof PullThroughCache.Arriving arriving) {
            return reply.stream(arriving.stream(), arriving.size());
        }
        return reply.headOnly(((PullThroughCache.Remote) answer).size());
    }
}
