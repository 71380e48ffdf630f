package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Distribution's {@code auth.htpasswd}: HTTP Basic against a bcrypt htpasswd file, with what Distribution lacks: a
 * credential cache (a repeated request costs microseconds instead of a bcrypt), throttling of failed logins per (user,
 * address) and per user (see {@link LoginThrottle}), one check for a burst of identical logins, equal time for unknown
 * users, and pull-only users ({@code auth.htpasswd.pullonly}, our key).
 */
public final class HtpasswdAuthorizer implements Authorizer {
    private final String realm;
    private final HtpasswdFile file;
    private final CredentialCache cache;
    private final LoginThrottle throttle;
    private final Set<String> pullOnly;
    private final WorkerExecutor bcryptWorkers;
    private final AuthMetrics metrics;
    private final SingleFlight<Boolean> checks = new SingleFlight<>();

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
        // Valid only while the user's entry is the one the password was verified against: a removed user or changed
        // password is refused as soon as the file is re-read, hot cache or not.
        Optional<String> verifiedAgainst = cache.lookup(c.username(), c.password());
        String current = file.hash(c.username());
        if (verifiedAgainst.isPresent() && current != null
                && MessageDigest.isEqual(bytes(verifiedAgainst.get()), bytes(current))) {
            metrics.cacheHit();
            return permit(c.username(), needed);
        }
        String address = ctx.request().remoteAddress().hostAddress();
        return checks.run(cache.fingerprint(c.username(), c.password()), () -> check(c, address)).compose(ok -> {
            if (!ok) {
                metrics.failure();
                return Future.failedFuture(Challenges.basic(realm, "invalid username or password"));
            }
            return permit(c.username(), needed);
        });
    }

    /** One password check, counted by the throttle before the bcrypt runs. */
    private Future<Boolean> check(BasicCredentials c, String address) {
        long wait = throttle.acquire(c.username(), address);
        if (wait > 0) {
            metrics.throttled();
            return Future.failedFuture(Challenges.throttled(wait));
        }
        return bcryptWorkers.executeBlocking(() -> {
            String hash = file.hash(c.username());
            // An unknown user costs one bcrypt too, so response time does not tell which users exist.
            boolean ok = Bcrypt.check(c.password(), hash == null ? file.dummyHash() : hash) && hash != null;
            if (ok) {
                cache.remember(c.username(), c.password(), hash);
            }
            throttle.finished(c.username(), address, ok);
            return ok;
        }, false).onFailure(e -> throttle.finished(c.username(), address, false));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
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
