package dev.portcullis.registry.api;

import dev.portcullis.registry.gc.GcFence;
import dev.portcullis.registry.notify.Notifier;
import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.UploadState;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Blob uploads: {@code POST /v2/NAME/blobs/uploads/} and {@code GET|PATCH|PUT|DELETE .../uploads/ID}. */
final class UploadHandler {
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes )?(\\d+)-(\\d+)(?:/\\d+|/\\*)?");

    private final RegistryStorage storage;
    private final ApiSettings settings;
    private final Notifier events;

    UploadHandler(RegistryStorage storage, ApiSettings settings, Notifier events) {
        this.storage = storage;
        this.settings = settings;
        this.events = events;
    }

    /** Starts an upload, mounts a blob from another repository, or takes a whole blob at once. */
    Reply start(RoutingContext ctx, RequestBodyStream body) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        String mount = Params.query(ctx, "mount");
        String from = Params.query(ctx, "from");
        if (mount != null) {
            Digest digest = Digest.parse(mount);
            if (from != null && RepositoryName.isValid(from)
                    && storage.mountBlob(RepositoryName.parse(from), repo, digest)) {
                if (events.active()) {
                    events.blobMounted(ctx, repo, RepositoryName.parse(from), digest, storage.blobSize(repo, digest).orElse(0L));
                }
                return Reply.status(201)
                        .header("Location", settings.location("/v2/" + repo + "/blobs/" + digest))
                        .header("Docker-Content-Digest", digest);
            }
            // The spec's fallback: an ordinary upload session the client can push the blob into.
        }
        String digestParam = mount == null ? Params.query(ctx, "digest") : null;
        if (digestParam != null) {
            return monolithic(ctx, repo, Digest.parse(digestParam), body);
        }
        UploadState state = storage.startUpload(repo);
        return progress(Reply.status(202), repo, state);
    }

    private Reply monolithic(RoutingContext ctx, RepositoryName repo, Digest digest, RequestBodyStream body)
            throws IOException {
        long declared = Params.contentLength(ctx);
        UploadState state = storage.startUpload(repo);
        long[] size = new long[1];
        try {
            storage.appendToUpload(repo, state.id(), 0, declared, body);
            GcFence.holding(storage, digest, () -> size[0] = storage.commitUpload(repo, state.id(), digest));
        } catch (IOException | RuntimeException e) {
            storage.cancelUpload(repo, state.id());
            throw rethrow(e, body);
        }
        events.blobPushed(ctx, repo, digest, size[0]);
        return Reply.status(201)
                .header("Location", settings.location("/v2/" + repo + "/blobs/" + digest))
                .header("Docker-Content-Digest", digest);
    }

    Reply status(RoutingContext ctx) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        UploadState state = existing(repo, ctx.pathParam("uuid"));
        return progress(Reply.status(204), repo, state);
    }

    /** A chunk: with Content-Range it must continue exactly where the upload stands, else 416. */
    Reply patch(RoutingContext ctx, RequestBodyStream body) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        String id = ctx.pathParam("uuid");
        existing(repo, id);
        long[] range = contentRange(ctx);
        long declared = Params.contentLength(ctx);
        if (range != null && declared >= 0 && declared != range[1]) {
            throw ErrorCode.SIZE_INVALID.exception("Content-Length " + declared + " does not match Content-Range");
        }
        UploadState state;
        try {
            state = storage.appendToUpload(repo, id, range == null ? -1 : range[0], range == null ? declared : range[1], body);
        } catch (IOException | RuntimeException e) {
            throw rethrow(e, body);
        }
        return progress(Reply.status(202), repo, state);
    }

    /** Closes the upload, with an optional last chunk, once the digest verifies. */
    Reply finish(RoutingContext ctx, RequestBodyStream body) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        String id = ctx.pathParam("uuid");
        String digestParam = Params.query(ctx, "digest");
        UploadState state = existing(repo, id);
        if (digestParam == null) {
            throw ErrorCode.DIGEST_INVALID.exception("the digest query parameter is required to close an upload");
        }
        Digest digest = Digest.parse(digestParam);
        long[] range = contentRange(ctx);
        long declared = Params.contentLength(ctx);
        long[] size = new long[1];
        try {
            if (declared != 0) {
                storage.appendToUpload(repo, id, range == null ? state.offset() : range[0],
                        range == null ? declared : range[1], body);
            }
            GcFence.holding(storage, digest, () -> size[0] = storage.commitUpload(repo, id, digest));
        } catch (IOException | RuntimeException e) {
            throw rethrow(e, body);
        }
        events.blobPushed(ctx, repo, digest, size[0]);
        return Reply.status(201)
                .header("Location", settings.location("/v2/" + repo + "/blobs/" + digest))
                .header("Docker-Content-Digest", digest);
    }

    Reply cancel(RoutingContext ctx) throws IOException {
        RepositoryName repo = Params.repository(ctx);
        if (!storage.cancelUpload(repo, ctx.pathParam("uuid"))) {
            throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception();
        }
        return Reply.status(204);
    }

    private UploadState existing(RepositoryName repo, String id) throws IOException {
        return storage.upload(repo, id).orElseThrow(() -> ErrorCode.BLOB_UPLOAD_UNKNOWN.exception());
    }

    private Reply progress(Reply reply, RepositoryName repo, UploadState state) {
        return reply.header("Location", settings.location("/v2/" + repo + "/blobs/uploads/" + state.id()))
                .header("Range", "0-" + Math.max(0, state.offset() - 1))
                .header("Docker-Upload-UUID", state.id())
                .header("Content-Length", 0);
    }

    /** {start, length} from Content-Range, or null when absent. */
    private static long[] contentRange(RoutingContext ctx) {
        String header = ctx.request().getHeader("Content-Range");
        if (header == null) {
            return null;
        }
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
            throw ErrorCode.BLOB_UPLOAD_INVALID.exception("Content-Range must be START-END").withStatus(416);
        }
        try {
            long start = Long.parseLong(m.group(1));
            long end = Long.parseLong(m.group(2));
            if (end < start) {
                throw ErrorCode.BLOB_UPLOAD_INVALID.exception("Content-Range ends before it starts").withStatus(416);
            }
            return new long[] {start, end - start + 1};
        } catch (NumberFormatException e) {
            throw ErrorCode.BLOB_UPLOAD_INVALID.exception("Content-Range numbers too large").withStatus(416);
        }
    }

    /** A failure while the client's bytes were streaming in is the client's if its stream broke. */
    private static RuntimeException rethrow(Exception e, RequestBodyStream body) throws IOException {
        if (e instanceof RegistryException re) {
            throw re;
        }
        if (e instanceof IOException io && body.failed()) {
            throw new ClientBodyException(io.getMessage(), io);
        }
        if (e instanceof IOException io) {
            throw io;
        }
        throw (RuntimeException) e;
    }
}
