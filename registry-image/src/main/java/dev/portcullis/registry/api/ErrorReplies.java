package dev.portcullis.registry.api;

import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns failures into the spec's JSON error bodies. The only place that decides what a client sees of an error. */
public final class ErrorReplies {
    private static final Logger LOG = Logger.getLogger(ErrorReplies.class.getName());

    private ErrorReplies() {}

    public static Reply of(RegistryException e) {
        JsonObject error = new JsonObject().put("code", e.code().name()).put("message", e.code().message());
        if (e.detail() != null) {
            error.put("detail", e.detail());
        }
        Reply r = Reply.json(e.status(), new JsonObject().put("errors", new JsonArray().add(error)));
        e.headers().forEach(r::header);
        return r;
    }

    public static Reply of(ErrorCode code, String detail) {
        return of(code.exception(detail));
    }

    /** Anything that is not a RegistryException: a broken client body, or our own failure (500, no details). */
    public static Reply of(Throwable t, String what) {
        Throwable cause = t;
        while (cause.getCause() != null && !(cause instanceof RegistryException) && !(cause instanceof ClientBodyException)) {
            cause = cause.getCause();
        }
        if (cause instanceof RegistryException re) {
            return of(re);
        }
        if (cause instanceof ClientBodyException body) {
            LOG.fine(() -> what + ": client body failed: " + body.getMessage());
            return of(ErrorCode.BLOB_UPLOAD_INVALID, "the request body was interrupted");
        }
        if (stopping(t)) {
            LOG.fine(() -> what + ": cut off by the registry stopping: " + t);
            return of(ErrorCode.UNAVAILABLE, "the registry is stopping");
        }
        LOG.log(Level.SEVERE, what + " failed", t);
        JsonObject error = new JsonObject().put("code", "UNKNOWN").put("message", "internal server error");
        return Reply.json(500, new JsonObject().put("errors", new JsonArray().add(error)));
    }

    /**
     * A storage task the stopping registry refused or interrupted: its pools refuse new tasks and interrupt the
     * threads still running when the drain is over. Not a fault to report; the client retries elsewhere.
     */
    private static boolean stopping(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.util.concurrent.RejectedExecutionException || c instanceof InterruptedException
                    || c instanceof java.io.InterruptedIOException && !(c instanceof java.net.SocketTimeoutException)) {
                return true;
            }
        }
        return false;
    }
}
