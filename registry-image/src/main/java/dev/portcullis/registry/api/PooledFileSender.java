package dev.portcullis.registry.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.logging.Logger;

/**
 * Copies a range of a file to the response where {@code sendfile(2)} cannot (TLS): each chunk is read on a worker
 * thread straight into a direct buffer from Netty's pool and goes back to the pool once the socket took it. Reading
 * into heap arrays (Vert.x's AsyncFile) cost a 256 KiB heap chunk per read, copied again into direct memory for the
 * TLS engine; under concurrent GETs those chunks outlived young collections and grew the old generation to several
 * times the live heap. No read starts while the response's write queue is full, so a slow client holds a chunk or
 * two, whatever the blob's size.
 */
final class PooledFileSender {
    private static final Logger LOG = Logger.getLogger(PooledFileSender.class.getName());
    /** A flush carries sixteen full TLS records: Vert.x's 8 KiB file chunks each cost a flush and a record. */
    static final int CHUNK = 256 * 1024;

    private final RoutingContext ctx;
    private final HttpServerResponse res;
    private final FileChannel file;
    private long position;
    private long remaining;

    private PooledFileSender(RoutingContext ctx, FileChannel file, long offset, long length) {
        this.ctx = ctx;
        this.res = ctx.response();
        this.file = file;
        this.position = offset;
        this.remaining = length;
    }

    /** Sends {@code length} bytes from {@code offset}, then ends the response; headers must be set already. */
    static void send(RoutingContext ctx, FileChannel file, long offset, long length) {
        PooledFileSender sender = new PooledFileSender(ctx, file, offset, length);
        // A client that goes away while the write queue is full never drains it: release the file.
        ctx.response().closeHandler(v -> sender.closeFile());
        sender.next();
    }

    private void next() {
        if (remaining <= 0) {
            closeFile();
            res.end();
            return;
        }
        int size = (int) Math.min(CHUNK, remaining);
        long at = position;
        ctx.vertx().<ByteBuf>executeBlocking(() -> read(at, size), false).onComplete(ar -> {
            if (ar.failed() || res.closed()) {
                if (ar.succeeded()) {
                    ar.result().release();
                } else if (!res.closed()) {
                    LOG.warning("reading a blob file failed: " + ar.cause());
                }
                closeFile();
                // Headers (and a Content-Length) are out: the only honest signal left is a broken connection.
                res.reset();
                return;
            }
            ByteBuf chunk = ar.result();
            position += size;
            remaining -= size;
            // Vert.x hands the socket an unreleasable view: the chunk goes back to the pool when the write is done.
            res.write(BufferInternal.buffer(chunk)).onComplete(written -> chunk.release());
            if (remaining <= 0) {
                closeFile();
                res.end();
            } else if (res.writeQueueFull()) {
                res.drainHandler(v -> next());
            } else {
                next();
            }
        });
    }

    private ByteBuf read(long at, int size) throws IOException {
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(size, size);
        try {
            while (buf.isWritable()) {
                if (buf.writeBytes(file, at + buf.writerIndex(), buf.writableBytes()) < 0) {
                    throw new EOFException("blob file ended " + (size - buf.writerIndex()) + " bytes early");
                }
            }
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    private void closeFile() {
        try {
            file.close();
        } catch (IOException ignored) {
            // Read-only: nothing was lost.
        }
    }
}
