package dev.portcullis.registry.proxy;

import java.io.IOException;
import java.util.Optional;

/**
 * An upstream that did not deliver: {@code status} is its HTTP answer, or 0 when it could not be reached at all
 * (refused, reset, timed out, unknown host). The message names the upstream and never holds a credential.
 */
public final class UpstreamException extends IOException {
    private final int status;
    private final Optional<String> retryAfter;

    UpstreamException(String message, int status, Optional<String> retryAfter) {
        super(message);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    UpstreamException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
        this.retryAfter = Optional.empty();
    }

    public int status() {
        return status;
    }

    public Optional<String> retryAfter() {
        return retryAfter;
    }

    /** The upstream said the thing does not exist: an answer, not an outage. */
    public boolean notFound() {
        return status == 404;
    }
}
