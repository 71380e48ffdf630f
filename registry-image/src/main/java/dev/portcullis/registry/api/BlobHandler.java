package dev.portcullis.registry.api;

import dev.portcullis.registry.notify.Notifier;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** {@code GET|HEAD|DELETE /v2/NAME/blobs/DIGEST}. */
final class BlobHandler {
    /** How long a pre-signed blob URL stays valid, as in Distribution. */
    private static final Duration REDIRECT_VALIDITY = Duration.ofMinutes(20);
    private final RegistryStorage storage;
    private final ApiSettings settings;
    private final Notifier events;

    BlobHandler(RegistryStorage storage, ApiSettings settings, Notifier events) {
        this.storage = storage;
        this.settings = settings;
        this.events = events;
    }

    Reply get(RoutingContext ctx) throws IOException {
        return get(ctx, Params.repository(ctx));
    }

    /** The blob as stored in {@code repo}, which a pull-through cache's request names differently than its path. */
    Reply get(RoutingContext ctx, RepositoryName repo) throws IOException {
        Digest digest = Params.digest(ctx, "digest");
        long size = storage.blobSize(repo, digest).orElseThrow(() -> ErrorCode.BLOB_UNKNOWN.exception(digest.toString()));
        ByteRange range = ByteRange.parse(ctx.request().getHeader("Range"), size);
        events.blobPulled(ctx, repo, digest, size);
        Reply reply = Reply.status(range == null ? 200 : 206)
                .header("Docker-Content-Digest", digest)
                .header("Content-Type", "application/octet-stream")
                .header("Accept-Ranges", "bytes")
                .header("ETag", "\"" + digest + "\"")
                .header("Cache-Control", "max-age=31536000");
        long offset = 0;
        long length = size;
        if (range != null) {
            offset = range.start();
            length = range.length();
            reply.header("Content-Range", range.contentRange(size));
        }
        if (ctx.request().method() == HttpMethod.HEAD) {
            return reply.headOnly(length);
        }
        Optional<URI> redirect = storage.blobRedirect(digest, REDIRECT_VALIDITY);
        if (redirect.isPresent()) {
            return Reply.status(307).header("Location", redirect.get()).header("Docker-Content-Digest", digest);
        }
        Optional<Path> file = storage.blobFile(digest);
        if (file.isPresent()) {
            return reply.file(file.get(), offset, length);
        }
        return reply.stream(storage.openBlob(digest, offset), length);
    }

    Reply delete(RoutingContext ctx) throws IOException {
        if (!settings.deleteEnabled()) {
            throw ErrorCode.UNSUPPORTED.exception("deletion is disabled (storage.delete.enabled)");
        }
        RepositoryName repo = Params.repository(ctx);
        Digest digest = Params.digest(ctx, "digest");
        if (!storage.unlinkBlob(repo, digest)) {
            throw ErrorCode.BLOB_UNKNOWN.exception(digest.toString());
        }
        events.blobDeleted(ctx, repo, digest);
        return Reply.status(202).header("Docker-Content-Digest", digest);
    }
}
