package dev.portcullis.registry.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;
import java.util.logging.Logger;

/**
 * Copies a blob to the response where {@code sendfile(2)} cannot (TLS, storage drivers without a local file): each
 * chunk is read on a worker thread into a direct buffer from Netty's pool and goes back to the pool once the socket
 * took it. Reading into heap arrays (Vert.x's AsyncFile, a plain InputStream loop) cost a 256 KiB heap chunk per
 * read, copied again into direct memory for the TLS engine or the socket; under concurrent GETs those chunks
 * outlived young collections and grew the old generation to several times the live heap. No read starts while the
 * response's write queue is full, so a slow client holds a chunk or two, whatever the blob's size.
 */
final class PooledChunkSender {
    private static final Logger LOG = Logger.getLogger(PooledChunkSender.class.getName());
    /** A flush carries sixteen full TLS records: Vert.x's 8 KiB file chunks each cost a flush and a record. */
    static final int CHUNK = 256 * 1024;

    private final RoutingContext ctx;
    private final HttpServerResponse res;
    private final ChunkSource source;
    private long remaining;

    private PooledChunkSender(RoutingContext ctx, ChunkSource source, long length) {
        this.ctx = ctx;
        this.res = ctx.response();
        this.source = source;
        this.remaining = length;
    }

    /** Sends {@code length} bytes of {@code source}, then ends the response and closes the source. */
    static void send(RoutingContext ctx, ChunkSource source, long length) {
        PooledChunkSender sender = new PooledChunkSender(ctx, source, length);
        // A client that goes away while the write queue is full never drains it: release the source.
        ctx.response().closeHandler(v -> source.close());
        sender.next();
    }

    private void next() {
        if (remaining <= 0) {
            source.close();
            res.end();
            return;
        }
        int size = (int) Math.min(CHUNK, remaining);
        ctx.vertx().<ByteBuf>executeBlocking(() -> source.read(ByteBufAllocator.DEFAULT, size), false)
                .onComplete(ar -> {
                    if (ar.failed() || res.closed()) {
                        if (ar.succeeded()) {
                            ar.result().release();
                        } else if (!res.closed()) {
                            LOG.warning("reading a blob failed: " + ar.cause());
                        }
                        source.close();
                        // Headers (and a Content-Length) are out: the only honest signal left is a broken connection.
                        res.reset();
                        return;
                    }
                    ByteBuf chunk = ar.result();
                    remaining -= size;
                    // Vert.x hands the socket an unreleasable view: the chunk goes back to the pool when the write
                    // is done.
                    res.write(BufferInternal.buffer(chunk)).onComplete(written -> chunk.release());
                    if (remaining <= 0) {
                        source.close();
                        res.end();
                    } else if (res.writeQueueFull()) {
                        res.drainHandler(v -> next());
                    } else {
                        next();
                    }
                });
    }
}
