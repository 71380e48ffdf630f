package dev.portcullis.registry.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/** Writes a {@link Reply} to the socket. Runs on the event loop. */
final class ReplyWriter {
    private ReplyWriter() {}

    private static boolean declaresBody(HttpServerRequest req) {
        String length = req.getHeader("Content-Length");
        return req.getHeader("Transfer-Encoding") != null || (length != null && !length.trim().equals("0"));
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
                res.putHeader("Connection", "close");
                res.endHandler(v -> req.connection().close());
            } else {
                // Paused before routing; with no body left, let the connection go on to its next request.
                req.resume();
            }
        }
        if (reply.headOnly || req.method() == HttpMethod.HEAD) {
            res.end();
        } else if (reply.file != null) {
            res.sendFile(reply.file.toString(), reply.fileOffset, reply.fileLength);
        } else if (reply.body != null) {
            res.end(reply.body);
        } else {
            res.end();
        }
    }
}
