package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RepositoryName;
import io.vertx.ext.web.RoutingContext;

/** Reads and validates path and query parameters, failing with the spec's codes. */
final class Params {
    private Params() {}

    static RepositoryName repository(RoutingContext ctx) {
        return RepositoryName.parse(ctx.pathParam("name"));
    }

    static Digest digest(RoutingContext ctx, String param) {
        return Digest.parse(ctx.pathParam(param));
    }

    static String query(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** {@code n} of the pagination parameters: a non-negative number, or {@code fallback} when absent. */
    static int pageSize(RoutingContext ctx, int fallback, int max) {
        String n = query(ctx, "n");
        if (n == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(n);
            if (v < 0) {
                throw ErrorCode.PAGINATION_NUMBER_INVALID.exception("n must not be negative");
            }
            return Math.min(v, max);
        } catch (NumberFormatException e) {
            throw ErrorCode.PAGINATION_NUMBER_INVALID.exception("n must be a number");
        }
    }

    /** The declared Content-Length, or -1. */
    static long contentLength(RoutingContext ctx) {
        String cl = ctx.request().getHeader("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(cl.trim());
            if (v < 0) {
                throw ErrorCode.SIZE_INVALID.exception("negative Content-Length");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ErrorCode.SIZE_INVALID.exception("malformed Content-Length");
        }
    }
}
