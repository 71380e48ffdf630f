package dev.portcullis.registry.authserver;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP side of one browser login, at its {@code redirect_url}'s path (docker_auth's way: {@code /oidc_auth}):
 * {@code GET} shows the sign-in page, or, with the provider's {@code code}/{@code error}, finishes the sign-in and
 * shows the password; {@code POST} starts a sign-in (a 302 to the provider, and the cookie binding it to this
 * browser). Every page is {@code no-store}, sends no referrer (the callback URL holds a one-time code) and may not be
 * framed. The provider is asked on worker threads.
 */
final class BrowserLoginRoutes {
    private static final System.Logger LOG = System.getLogger(BrowserLoginRoutes.class.getName());
    static final String COOKIE = "portcullis_login";
    /** How long a started sign-in may take at the provider. */
    private static final long COOKIE_MAX_AGE_SECONDS = 600;

    private BrowserLoginRoutes() {
    }

    static void mount(Vertx vertx, Router router, BrowserLoginBackend backend) {
        String path = backend.settings().path();
        router.get(path).handler(ctx -> {
            MultiMap q = ctx.request().params();
            if (q.contains("code") || q.contains("error") || q.contains("state")) {
                callback(vertx, ctx, backend);
            } else {
                page(ctx, 200, BrowserLoginPage.signIn(backend.settings()));
            }
        });
        router.post(path).handler(ctx -> vertx.executeBlocking(backend::begin, false).onComplete(ar -> {
            if (ar.failed()) {
                failed(ctx, backend, ar.cause());
                return;
            }
            ctx.response().addCookie(Cookie.cookie(COOKIE, ar.result().cookie()).setPath(path).setHttpOnly(true)
                    .setSecure(true).setSameSite(CookieSameSite.LAX).setMaxAge(COOKIE_MAX_AGE_SECONDS));
            noStore(ctx.response()).setStatusCode(302).putHeader("Location", ar.result().authorizationUrl().toString()).end();
        }));
    }

    private static void callback(Vertx vertx, RoutingContext ctx, BrowserLoginBackend backend) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String name : ctx.request().params().names()) {
            query.put(name, ctx.request().params().getAll(name));
        }
        Cookie cookie = ctx.request().getCookie(COOKIE);
        String address = ctx.request().remoteAddress().hostAddress();
        vertx.executeBlocking(() -> backend.complete(query, cookie == null ? null : cookie.getValue(), address), false)
                .onComplete(ar -> {
                    // The cookie is single use, whatever the outcome: a replayed callback finds none.
                    ctx.response().addCookie(Cookie.cookie(COOKIE, "").setPath(backend.settings().path()).setHttpOnly(true)
                            .setSecure(true).setSameSite(CookieSameSite.LAX).setMaxAge(0));
                    if (ar.failed()) {
                        failed(ctx, backend, ar.cause());
                    } else {
                        page(ctx, 200, BrowserLoginPage.password(backend.settings(), ar.result()));
                    }
                });
    }

    private static void failed(RoutingContext ctx, BrowserLoginBackend backend, Throwable cause) {
        String section = backend.settings().section();
        String address = ctx.request().remoteAddress().hostAddress();
        if (cause instanceof BrowserLoginFlow.Refused r) {
            LOG.log(System.Logger.Level.INFO, "{0}: sign-in refused: reason={1} address={2}", section, r.getMessage(), address);
            page(ctx, r.status(), BrowserLoginPage.error(backend.settings(), r.getMessage()));
        } else if (cause instanceof BrowserLoginFlow.Unavailable u) {
            LOG.log(System.Logger.Level.WARNING, "{0}: sign-in failed, provider unavailable: {1} address={2}", section,
                    u.getMessage(), address);
            page(ctx, 502, BrowserLoginPage.error(backend.settings(), "the sign-in provider cannot be reached; try again later"));
        } else {
            LOG.log(System.Logger.Level.ERROR, "{0}: sign-in failed: {1}", section, cause.getClass().getName() + ": "
                    + LogText.firstLine(cause.getMessage()));
            page(ctx, 500, BrowserLoginPage.error(backend.settings(), "internal error; try again later"));
        }
    }

    private static void page(RoutingContext ctx, int status, String html) {
        noStore(ctx.response()).setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(html);
    }

    private static HttpServerResponse noStore(HttpServerResponse r) {
        return r.putHeader("Cache-Control", "no-store")
                .putHeader("Pragma", "no-cache")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
    }
}
