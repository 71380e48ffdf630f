package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Distribution's {@code auth.htpasswd}: HTTP Basic against a bcrypt htpasswd file, with what Distribution lacks: a
 * credential cache (a repeated request costs microseconds instead of a bcrypt), throttling of failed logins per user and
 * per address, equal time for unknown users, and pull-only users ({@code auth.htpasswd.pullonly}, our key).
 */
public final class HtpasswdAuthorizer implements Authorizer {
    private final String realm;
    private final HtpasswdFile file;
    private final CredentialCache cache;
    private final LoginThrottle throttle;
    private final Set<String> pullOnly;
    private final WorkerExecutor bcryptWorkers;
    private final AuthMetrics metrics;

    public HtpasswdAuthorizer(String realm, HtpasswdFile file, CredentialCache cache, LoginThrottle throttle,
                              Set<String> pullOnly, WorkerExecutor bcryptWorkers, AuthMetrics metrics) {
        this.realm = realm;
        this.file = file;
        this.cache = cache;
        this.throttle = throttle;
        this.pullOnly = pullOnly;
        this.bcryptWorkers = bcryptWorkers;
        this.metrics = metrics;
    }

    @Override
    public Future<Identity> authorize(RoutingContext ctx, List<Access> needed) {
        Optional<BasicCredentials> creds = BasicCredentials.parse(ctx.request().getHeader("Authorization"));
        if (creds.isEmpty()) {
            return Future.failedFuture(Challenges.basic(realm, "authentication required"));
        }
        BasicCredentials c = creds.get();
        if (cache.lookup(c.username(), c.password()).isPresent()) {
            metrics.cacheHit();
            return permit(c.username(), needed);
        }
        String address = "addr:" + ctx.request().remoteAddress().hostAddress();
        String user = "user:" + c.username();
        long wait = Math.max(throttle.retryAfterSeconds(address), throttle.retryAfterSeconds(user));
        if (wait > 0) {
            metrics.throttled();
            return Future.failedFuture(Challenges.throttled(wait));
        }
        return bcryptWorkers.executeBlocking(() -> {
            String hash = file.hash(c.username());
            // An unknown user costs one bcrypt too, so response time does not tell which users exist.
            boolean ok = Bcrypt.check(c.password(), hash == null ? file.dummyHash() : hash) && hash != null;
            if (ok) {
                cache.remember(c.username(), c.password());
                throttle.success(user);
                throttle.success(address);
            } else {
                throttle.failure(user);
                throttle.failure(address);
            }
            return ok;
        }, false).compose(ok -> {
            if (!ok) {
                metrics.failure();
                return Future.failedFuture(Challenges.basic(realm, "invalid username or password"));
            }
            return permit(c.username(), needed);
        });
    }

    private Future<Identity> permit(String user, List<Access> needed) {
        if (pullOnly.contains(user)) {
            for (Access a : needed) {
                if (!a.pullOnly()) {
                    metrics.denied();
                    return Future.failedFuture(Challenges.denied(user + " may only pull"));
                }
            }
        }
        metrics.success();
        return Future.succeededFuture(new Identity(user, "basic"));
    }
}
