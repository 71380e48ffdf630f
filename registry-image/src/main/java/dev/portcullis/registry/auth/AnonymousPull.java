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
    private final Authorizer delegate;
    private final List<PathMatcher> repositories;

    public AnonymousPull(Authorizer delegate, List<String> repositoryGlobs) {
        this.delegate = delegate;
        this.repositories = repositoryGlobs.stream()
                .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }

    @Override
    public Future<Identity> authorize(RoutingContext ctx, List<Access> needed) {
        if (ctx.request().getHeader("Authorization") == null && needed.stream().allMatch(this::anonymousMayPull)) {
            return Future.succeededFuture(Identity.ANONYMOUS);
        }
        return delegate.authorize(ctx, needed);
    }

    private boolean anonymousMayPull(Access a) {
        return a.type().equals("repository") && a.actions().equals(java.util.Set.of(Access.PULL))
                && (repositories.isEmpty() || repositories.stream().anyMatch(m -> m.matches(Path.of(a.name()))));
    }
}
