package dev.portcullis.registry.auth;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * Anonymous pull, our extension ({@code auth.anonymous.pull}, optionally limited by {@code auth.anonymous.repositories}
 * globs): a request without credentials that only reads matching repositories is let through; anything else, and
 * every request that carries credentials, goes to the configured scheme.
 */
public final class AnonymousPull implements Authorizer {
    /** Base64 of ":". */
    private static final String EMPTY_BASIC = "Og==";
    private final Authorizer delegate;
    private final List<PathMatcher> repositories;

    public AnonymousPull(Authorizer delegate, List<String> repositoryGlobs) {
        this.delegate = delegate;
        this.repositories = repositoryGlobs.stream()
                .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }

    @Override
    public Future<Identity> authorize(RoutingContext ctx, List<Access> needed) {
        // The base endpoint (/v2/, nothing needed) is not let through: a client pings it first, and one that got 200
        // there never sends its credentials, so `skopeo login` and `docker login` would accept any password and
        // pushes would fail with 401. Challenged there, clients send credentials they have, and pull without when
        // they have none.
        if (anonymous(ctx.request().getHeader("Authorization")) && !needed.isEmpty()
                && needed.stream().allMatch(this::anonymousMayPull)) {
            return Future.succeededFuture(Identity.ANONYMOUS);
        }
        return delegate.authorize(ctx, needed);
    }

    /** No credentials: no header, or the empty Basic pair containers/image sends after a challenge when it has none. */
    private static boolean anonymous(String authorization) {
        return authorization == null || authorization.strip().equalsIgnoreCase("Basic " + EMPTY_BASIC);
    }

    private boolean anonymousMayPull(Access a) {
        return a.type().equals("repository") && a.actions().equals(java.util.Set.of(Access.PULL))
                && (repositories.isEmpty() || repositories.stream().anyMatch(m -> m.matches(Path.of(a.name()))));
    }
}
