package dev.portcullis.registry.api;

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

    CacheHandler(PullThroughCache cache, BlobHandler blobs) {
        this.cache = cache;
        this.blobs = blobs;
    }

    Optional<CacheTarget> target(RoutingContext ctx) {
        return cache.route(Params.repository(ctx).value(), Params.query(ctx, "ns"));
    }

    Reply manifest(RoutingContext ctx, CacheTarget target) throws IOException {
        StoredManifest m = cache.manifest(target, ctx.pathParam("reference"));
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
