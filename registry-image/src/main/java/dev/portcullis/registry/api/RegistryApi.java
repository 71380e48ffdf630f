package dev.portcullis.registry.api;

import dev.portcullis.registry.auth.Access;
import dev.portcullis.registry.auth.Authorizer;
import dev.portcullis.registry.auth.Identity;
import dev.portcullis.registry.notify.Notifier;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.BooleanSupplier;
import dev.portcullis.registry.logging.AccessLog;
import dev.portcullis.registry.metrics.RegistryMetrics;
import java.util.function.Function;

/**
 * The OCI Distribution API as Vert.x Web routes. Each route names the access it needs; the {@link Authorizer} decides;
 * the handler then runs on a worker thread, because storage calls block, and its {@link Reply} is written back on the
 * event loop.
 */
public final class RegistryApi {
    /** Key under which the request's {@link Identity} is kept in the routing context, for the access log. */
    public static final String IDENTITY = "portcullis.identity";
    private static final String ROUTE = "portcullis.route";

    private static final String NAME = "(?<name>.+)";

    private final ApiSettings settings;
    private final Authorizer authorizer;
    private final WorkerExecutor workers;
    private final BlobHandler blobs;
    private final UploadHandler uploads;
    private final ManifestHandler manifests;
    private final ListingHandler listings;
    private final ReferrersHandler referrers;
    /** Set when the registry pulls through to upstreams ({@code proxy}); null otherwise. */
    private CacheHandler cache;

    @FunctionalInterface
    interface Call {
        Reply apply(RoutingContext ctx, RequestBodyStream body) throws Exception;
    }

    private final RegistryMetrics metrics;
    private final BooleanSupplier serving;
    private final BodySlots bodySlots;

    /**
     * @param serving false while a health check that gates the API fails: requests then get 503, as in Distribution
     * @param bodySlots the turns for reading request bodies: one for the whole server, shared by every router made
     */
    public RegistryApi(RegistryStorage storage, ApiSettings settings, Authorizer authorizer, WorkerExecutor workers,
                       RegistryMetrics metrics, BooleanSupplier serving, BodySlots bodySlots) {
        this(storage, settings, authorizer, workers, metrics, serving, bodySlots, Notifier.NONE);
    }

    private final Notifier events;

    /** @param events told of every push, pull, mount and delete before its reply (the {@code notifications} section) */
    public RegistryApi(RegistryStorage storage, ApiSettings settings, Authorizer authorizer, WorkerExecutor workers,
                       RegistryMetrics metrics, BooleanSupplier serving, BodySlots bodySlots, Notifier events) {
        this.settings = settings;
        this.bodySlots = bodySlots;
        this.metrics = metrics;
        this.serving = serving;
        this.authorizer = authorizer;
        this.workers = workers;
        this.events = events;
        this.blobs = new BlobHandler(storage, settings, events);
        this.uploads = new UploadHandler(storage, settings, events);
        this.manifests = new ManifestHandler(storage, settings, events);
        this.listings = new ListingHandler(storage, settings);
        this.referrers = new ReferrersHandler(storage);
    }

    /** Answers pulls of cached repositories through {@code cache}, and refuses writes to them. */
    public RegistryApi withCache(dev.portcullis.registry.proxy.PullThroughCache pullThrough) {
        this.cache = new CacheHandler(pullThrough, blobs, events);
        return this;
    }

    public Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        r.route().handler(this::observe);
        r.route().handler(this::commonHeaders);

        on(r, "base", "/v2/?", HttpMethod.GET, HttpMethod.HEAD)
                .handler(ctx -> dispatch(ctx, c -> List.of(), false, false,
                        (c, b) -> Reply.json(200, new JsonObject())));
        on(r, "catalog", "/v2/_catalog", HttpMethod.GET)
                .handler(ctx -> dispatch(ctx, c -> List.of(Access.catalog()), false, false,
                        (c, b) -> listings.catalog(c)));
        on(r, "tags", "/v2/" + NAME + "/tags/list", HttpMethod.GET)
                .handler(ctx -> dispatch(ctx, pull(), false, false, (c, b) -> listings.tags(c)));

        on(r, "manifest", "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", HttpMethod.GET, HttpMethod.HEAD)
                .handler(ctx -> dispatch(ctx, this::pullAccess, false, false, (c, b) -> {
                    var cachedTarget = cached(c);
                    return cachedTarget.isPresent() ? cache.manifest(c, cachedTarget.get()) : manifests.get(c);
                }));
        on(r, "manifest", "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", HttpMethod.PUT)
                .handler(ctx -> dispatch(ctx, pushAndPull(), true, true, manifests::put));
        on(r, "manifest", "/v2/" + NAME + "/manifests/(?<reference>[^/]+)", HttpMethod.DELETE)
                .handler(ctx -> dispatch(ctx, delete(), true, false, (c, b) -> manifests.delete(c)));

        on(r, "upload_start", "/v2/" + NAME + "/blobs/uploads/?", HttpMethod.POST)
                .handler(ctx -> dispatch(ctx, this::uploadAccess, true, true, uploads::start));
        on(r, "upload", "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", HttpMethod.GET)
                .handler(ctx -> dispatch(ctx, pushAndPull(), false, false, (c, b) -> uploads.status(c)));
        on(r, "upload", "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", HttpMethod.PATCH)
                .handler(ctx -> dispatch(ctx, pushAndPull(), true, true, uploads::patch));
        on(r, "upload", "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", HttpMethod.PUT)
                .handler(ctx -> dispatch(ctx, pushAndPull(), true, true, uploads::finish));
        on(r, "upload", "/v2/" + NAME + "/blobs/uploads/(?<uuid>[^/]+)", HttpMethod.DELETE)
                .handler(ctx -> dispatch(ctx, pushAndPull(), true, false, (c, b) -> uploads.cancel(c)));

        on(r, "blob", "/v2/" + NAME + "/blobs/(?<digest>[^/]+)", HttpMethod.GET, HttpMethod.HEAD)
                .handler(ctx -> dispatch(ctx, this::pullAccess, false, false, (c, b) -> {
                    var cachedTarget = cached(c);
                    return cachedTarget.isPresent() ? cache.blob(c, cachedTarget.get()) : blobs.get(c);
                }));
        on(r, "blob", "/v2/" + NAME + "/blobs/(?<digest>[^/]+)", HttpMethod.DELETE)
                .handler(ctx -> dispatch(ctx, delete(), true, false, (c, b) -> blobs.delete(c)));

        on(r, "referrers", "/v2/" + NAME + "/referrers/(?<digest>[^/]+)", HttpMethod.GET)
                .handler(ctx -> dispatch(ctx, pull(), false, false, (c, b) -> referrers.list(c)));

        installErrorHandlers(r);
        return r;
    }

    /** Spec-shaped JSON for what no route answers; also needed on a router this one is mounted under. */
    public static void installErrorHandlers(Router r) {
        r.errorHandler(404, ctx -> ReplyWriter.send(ctx, ErrorReplies.of(ErrorCode.NOT_FOUND, ctx.request().path())));
        r.errorHandler(405, ctx -> ReplyWriter.send(ctx,
                ErrorReplies.of(ErrorCode.UNSUPPORTED, ctx.request().method() + " is not allowed here")));
        r.errorHandler(500, ctx -> ReplyWriter.send(ctx, ErrorReplies.of(ctx.failure() == null
                ? new IllegalStateException("routing failed") : ctx.failure(), ctx.request().path())));
    }

    private static Route on(Router r, String name, String regex, HttpMethod... methods) {
        Route route = r.routeWithRegex(regex);
        for (HttpMethod m : methods) {
            route.method(m);
        }
        return route.handler(ctx -> {
            ctx.put(ROUTE, name);
            ctx.next();
        });
    }

    /** Metrics and the access log, once the response is complete. */
    private void observe(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.addEndHandler(done -> {
            long nanos = System.nanoTime() - start;
            String route = ctx.get(ROUTE, "none");
            int status = ctx.response().getStatusCode();
            long in = ctx.request().bytesRead();
            long out = ctx.response().bytesWritten();
            String method = ctx.request().method().name();
            metrics.request(method, route, status, java.time.Duration.ofNanos(nanos), in, out);
            if (settings.accessLog()) {
                Identity who = ctx.get(IDENTITY, Identity.ANONYMOUS);
                AccessLog.log(ctx.request().remoteAddress() == null ? "-" : ctx.request().remoteAddress().hostAddress(),
                        method, ctx.request().path(), route, status, in, out, nanos / 1e6, who.subject(), who.method(),
                        ctx.request().getHeader("User-Agent"));
            }
        });
        ctx.next();
    }

    private void commonHeaders(RoutingContext ctx) {
        // Nothing may read the body before the access decision: a refused push must not be streamed to disk.
        ctx.request().pause();
        ctx.response().putHeader("Docker-Distribution-API-Version", "registry/2.0");
        settings.headers().forEach((name, values) -> ctx.response().putHeader(name, values));
        if (!serving.getAsBoolean()) {
            ReplyWriter.send(ctx, ErrorReplies.of(ErrorCode.UNAVAILABLE, "a health check is failing; see /readyz"));
            return;
        }
        // Vert.x would quietly turn a//b or a/../b into another repository's path; a client that sent those meant
        // something else, so it gets the grammar error instead.
        if (!ctx.request().path().equals(ctx.normalizedPath())) {
            ReplyWriter.send(ctx, ErrorReplies.of(ErrorCode.NAME_INVALID, "path is not in canonical form"));
            return;
        }
        ctx.next();
    }

    private java.util.Optional<dev.portcullis.registry.proxy.CacheTarget> cached(RoutingContext ctx) {
        return cache == null ? java.util.Optional.empty() : cache.target(ctx);
    }

    /** Pull access to the repository as stored: a cached repository requested with {@code ?ns=} by its local name. */
    private List<Access> pullAccess(RoutingContext ctx) {
        String name = cached(ctx).map(dev.portcullis.registry.proxy.CacheTarget::localRepository)
                .orElseGet(() -> Params.repository(ctx).value());
        return List.of(Access.repository(name, Access.PULL));
    }

    private static Function<RoutingContext, List<Access>> pull() {
        return ctx -> List.of(Access.repository(Params.repository(ctx).value(), Access.PULL));
    }

    private static Function<RoutingContext, List<Access>> pushAndPull() {
        return ctx -> List.of(Access.repository(Params.repository(ctx).value(), Access.PULL, Access.PUSH));
    }

    private static Function<RoutingContext, List<Access>> delete() {
        return ctx -> List.of(Access.repository(Params.repository(ctx).value(), Access.DELETE));
    }

    /** A mount also reads the source repository, so it needs pull there. */
    private List<Access> uploadAccess(RoutingContext ctx) {
        Access target = Access.repository(Params.repository(ctx).value(), Access.PULL, Access.PUSH);
        String from = Params.query(ctx, "from");
        if (Params.query(ctx, "mount") != null && from != null && RepositoryName.isValid(from)) {
            return List.of(target, Access.repository(from, Access.PULL));
        }
        return List.of(target);
    }

    private void dispatch(RoutingContext ctx, Function<RoutingContext, List<Access>> access, boolean write,
                          boolean hasBody, Call call) {
        List<Access> needed;
        try {
            needed = access.apply(ctx);
            if (write && settings.readOnly()) {
                throw ErrorCode.UNSUPPORTED.exception("the registry is in read-only mode");
            }
            if (write && ctx.pathParam("name") != null && cached(ctx).isPresent()) {
                // As Distribution's proxy mode: a cache is the upstream's copy, only pulled.
                throw ErrorCode.UNSUPPORTED.exception(ctx.pathParam("name") + " is a pull-through cache of upstream "
                        + cached(ctx).get().upstream().name() + "; push to the upstream");
            }
        } catch (RegistryException e) {
            ReplyWriter.send(ctx, ErrorReplies.of(e));
            return;
        }
        authorizer.authorize(ctx, needed).onComplete(auth -> {
            if (auth.failed()) {
                ReplyWriter.send(ctx, ErrorReplies.of(auth.cause(), ctx.request().method() + " " + ctx.request().path()));
                return;
            }
            ctx.put(IDENTITY, auth.result());
            if (!hasBody) {
                run(ctx, call, null, null);
                return;
            }
            // A worker is taken only once the body has something to read and the client has a turn: a stalled
            // upload waits here on the event loop, holding no thread.
            RequestBodyStream body = new RequestBodyStream(ctx.request(), settings.bodyLimits());
            firstBytes(ctx, body).compose(v -> turn(ctx)).onComplete(turn -> {
                if (turn.failed()) {
                    ReplyWriter.send(ctx, ErrorReplies.of(turn.cause(), ctx.request().method() + " " + ctx.request().path()));
                    return;
                }
                run(ctx, call, body, turn.result());
            });
        });
    }

    private void run(RoutingContext ctx, Call call, RequestBodyStream body, BodySlots.Slot turn) {
        workers.executeBlocking(() -> call.apply(ctx, body), false).onComplete(done -> {
            if (turn != null) {
                turn.release();
            }
            ReplyWriter.send(ctx, done.succeeded() ? done.result()
                    : ErrorReplies.of(done.cause(), ctx.request().method() + " " + ctx.request().path()));
        });
    }

    /** Completes when the body has bytes (or has ended); fails after {@code http.body.idletimeout} without any. */
    private Future<Void> firstBytes(RoutingContext ctx, RequestBodyStream body) {
        if (body.readable().isComplete()) {
            return body.readable();
        }
        Promise<Void> arrived = Promise.promise();
        long timeout = settings.bodyLimits().idleTimeoutMillis();
        long timer = ctx.vertx().setTimer(timeout, t -> arrived.tryFail(new ClientBodyException(
                "no request body arrived within " + timeout + " ms", null)));
        body.readable().onComplete(v -> {
            ctx.vertx().cancelTimer(timer);
            arrived.tryComplete();
        });
        return arrived.future();
    }

    /** This client's turn to have its body read by a storage worker; given back if the client leaves meanwhile. */
    private Future<BodySlots.Slot> turn(RoutingContext ctx) {
        Future<BodySlots.Slot> pending = bodySlots.acquire(ctx.request().remoteAddress().hostAddress());
        if (!pending.isComplete()) {
            ctx.response().closeHandler(v -> bodySlots.cancel(pending));
        }
        return pending;
    }
}
