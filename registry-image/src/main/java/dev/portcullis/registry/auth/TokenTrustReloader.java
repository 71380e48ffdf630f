package dev.portcullis.registry.auth;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps the token trust in step with {@code auth.token.rootcertbundle} and {@code auth.token.jwks}, as the TLS files
 * are: the content is polled (which survives the kubelet's {@code ..data} symlink swap) and a change replaces the
 * trust at once, keeping what left the files for the overlap. A file that is missing or broken mid-swap keeps the
 * current trust; it is reported once per distinct content.
 */
public final class TokenTrustReloader implements Supplier<TokenTrust>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TokenTrustReloader.class.getName());

    private final Vertx vertx;
    private final TokenTrustFiles files;
    private final Clock clock;
    private final AtomicReference<TokenTrust> current;
    private final long timerId;
    private volatile String fingerprint;
    private volatile String reportedProblem;

    public TokenTrustReloader(Vertx vertx, TokenTrustFiles files, TokenTrustFiles.Content loaded, TokenTrust trust,
                              Clock clock, long intervalMillis) {
        this.vertx = vertx;
        this.files = files;
        this.clock = clock;
        this.current = new AtomicReference<>(trust);
        this.fingerprint = loaded.fingerprint();
        this.timerId = vertx.setPeriodic(intervalMillis, id -> vertx.executeBlocking(() -> {
            check();
            return null;
        }, true));
    }

    @Override
    public TokenTrust get() {
        return current.get();
    }

    /** One poll; runs on a worker thread, one at a time (ordered), so two polls never race on the fingerprint. */
    void check() {
        TokenTrustFiles.Content content;
        TokenTrust fresh;
        try {
            content = files.read();
            if (content.fingerprint().equals(fingerprint)) {
                return;
            }
            fresh = files.parse(content);
        } catch (TokenTrustFiles.Unusable e) {
            String problem = e.key() + ": " + e.getMessage();
            if (!problem.equals(reportedProblem)) {
                reportedProblem = problem;
                LOG.warning("token trust not reloaded, keeping the current keys: " + problem);
            }
            return;
        }
        TokenTrust next = current.get().successor(fresh, clock.instant());
        current.set(next);
        fingerprint = content.fingerprint();
        reportedProblem = null;
        LOG.info("token trust reloaded: " + next.summary(clock.instant()));
    }

    @Override
    public void close() {
        vertx.cancelTimer(timerId);
    }
}
