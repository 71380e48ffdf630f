package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.ErrorCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/** Writes a {@link Reply} to the socket. Runs on the event loop. */
final class ReplyWriter {

    private ReplyWriter() {}

    private static final long LINGER_MILLIS = 2000;

    private static void lingerThenClose(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        long timer = ctx.vertx().setTimer(LINGER_MILLIS, t -> req.connection().close());
        req.handler(discarded -> { });
        req.exceptionHandler(ignored -> { });
        req.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            req.connection().close();
        });
        req.resume();
    }

    private static boolean declaresBody(HttpServerRequest req) {
        String length = req.getHeader("Content-Length");
        return req.getHeader("Transfer-Encoding") != null || (length != null && !length.trim().equals("0"));
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // Nothing left to do with it.
        }
    }

    static void send(RoutingContext ctx, Reply reply) {
        HttpServerResponse res = ctx.response();
        if (res.ended() || res.closed()) {
            return;
        }
        HttpServerRequest req = ctx.request();
        res.setStatusCode(reply.status);
        reply.headers.forEach(res::putHeader);
        // A body we did not read would be parsed as the next request: refuse it by closing the connection.
        if (!req.isEnded()) {
            if (declaresBody(req) && req.version() != HttpVersion.HTTP_2) {
                // The unread body would be parsed as the next request, so this connection ends here. Closing at once
                // with bytes still unread makes the kernel reset the connection, and the client never sees our
                // answer: keep discarding what arrives for a moment first, as Go's server does.
                res.putHeader("Connection", "close");
                res.endHandler(v -> lingerThenClose(ctx));
            } else {
                // Paused before routing; with no body left, let the connection go on to its next request.
                req.resume();
            }
        }
        if (reply.headOnly || req.method() == HttpMethod.HEAD) {
            closeQuietly(reply.stream);
            res.end();
        } else if (reply.stream != null) {
            res.putHeader("Content-Length", Long.toString(reply.streamLength));
            PooledChunkSender.send(ctx, ChunkSource.of(reply.stream), reply.streamLength);
        } else if (reply.file != null) {
            if (req.isSSL()) {
                sendFileInLargeChunks(ctx, reply);
            } else {
                // Plain HTTP: zero-copy, the kernel moves the bytes from the page cache to the socket.
                res.sendFile(reply.file.toString(), reply.fileOffset, reply.fileLength);
            }
        } else if (reply.body != null) {
            res.end(reply.body);
        } else {
            res.end();
        }
    }

    private static void sendFileInLargeChunks(RoutingContext ctx, Reply reply) {
        HttpServerResponse res = ctx.response();
        ctx.vertx().executeBlocking(() -> FileChannel.open(reply.file, StandardOpenOption.READ), false)
                .onComplete(opened -> {
                    if (opened.failed()) {
                        if (res.headWritten()) {
                            res.reset();
                        } else {
                            // Deleted between the size check and here (garbage collection): as if it never was.
                            res.headers().clear();
                            send(ctx, ErrorReplies.of(ErrorCode.BLOB_UNKNOWN, reply.file.getFileName().toString()));
                        }
                        return;
                    }
                    res.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(reply.fileLength));
                    PooledChunkSender.send(ctx, ChunkSource.of(opened.result(), reply.fileOffset), reply.fileLength);
                });
    }
}
