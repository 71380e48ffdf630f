package dev.portcullis.registry.server;

import dev.portcullis.registry.api.ApiSettings;
import dev.portcullis.registry.api.BodySlots;
import dev.portcullis.registry.api.RegistryApi;
import dev.portcullis.registry.health.Checks;
import dev.portcullis.registry.health.HealthEndpoints;
import dev.portcullis.registry.health.HealthMonitor;
import dev.portcullis.registry.health.WatchedWorkerPool;
import dev.portcullis.registry.metrics.MeteredDriver;
import dev.portcullis.registry.metrics.RegistryMetrics;
import dev.portcullis.registry.auth.Authorizer;
import dev.portcullis.registry.auth.AuthorizerFactory;
import dev.portcullis.registry.tls.CertificateReloader;
import dev.portcullis.registry.tls.TlsOptionsFactory;
import java.util.Optional;
import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.config.HttpSettings;
import dev.portcullis.registry.config.RegistryConfig;
import dev.portcullis.registry.config.RegistryConfigLoader;
import dev.portcullis.registry.gc.Maintenance;
import dev.portcullis.registry.proxy.ProxyMetrics;
import dev.portcullis.registry.proxy.ProxySettings;
import dev.portcullis.registry.proxy.PullThroughCache;
import dev.portcullis.registry.proxy.UpstreamReadiness;
import dev.portcullis.registry.notify.NotificationSettings;
import dev.portcullis.registry.notify.Notifications;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.driver.FilesystemDriver;
import dev.portcullis.registry.storage.driver.InMemoryDriver;
import dev.portcullis.registry.storage.azure.AzureDriver;
import dev.portcullis.registry.storage.azure.AzureSettings;
import dev.portcullis.registry.storage.s3.S3Driver;
import dev.portcullis.registry.storage.s3.S3Settings;
import dev.portcullis.registry.storage.RegistryStorage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/** Wires configuration, storage, authorization and the API into a listening server. */
public final class RegistryServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RegistryServer.class.getName());
    /**
     * Uploads hold a worker thread while they stream; {@code http.body.maxconcurrent} (default half of this) bounds
     * how many may, so the rest always serve pulls.
     */
    private static final int STORAGE_THREADS = 64;
    /** Readiness turns false once a storage task has waited this long for a thread. */
    private static final Duration POOL_EXHAUSTED_AFTER = Duration.ofSeconds(1);
    /** How often the TLS files are compared with what is served: a renewal is live within this delay. */
    private static final long CERTIFICATE_CHECK_MILLIS = 2000;
    static final int MAX_CHUNK_SIZE = 64 * 1024;
    private static final long WARM_UP_LIMIT_SECONDS = 60;

    private final Vertx vertx;
    private final EventLoopListeners listeners;
    private final HttpServer debugServer;
    private final RegistryConfig config;
    private final CertificateReloader reloader;
    private final HealthMonitor health;
    private Maintenance maintenance;
    private dev.portcullis.registry.proxy.PullThroughCache cache;
    private Notifications notifications;
    private OnDemandThreadPool threadPools;
    private boolean closed;

    private RegistryServer(Vertx vertx, EventLoopListeners listeners, HttpServer debugServer, RegistryConfig config,
                           CertificateReloader reloader, HealthMonitor health) {
        this.vertx = vertx;
        this.listeners = listeners;
        this.debugServer = debugServer;
        this.config = config;
        this.reloader = reloader;
        this.health = health;
    }

    public static RegistryServer start(RegistryConfig config) throws IOException {
        HttpSettings http = config.http();
        refuseUnsafeListeners(config);
        Optional<TlsOptionsFactory> tls = http.tls().map(TlsOptionsFactory::new);
        Optional<TlsOptionsFactory.Material> material = tls.map(TlsOptionsFactory::readForStartup);
        Optional<ProxySettings> proxy = config.proxy();
        NotificationSettings notificationSettings = config.notifications();
        RegistryMetrics metrics = new RegistryMetrics();
        DriverRegistryStorage unwrapped = openStorage(config);
        RegistryStorage storage = metered(unwrapped, metrics);
        Maintenance maintenance = Maintenance.prepare(storage, config, metrics);
        // VertxBootstrap is Vert.x's integrator API (io.vertx.core.internal): the public Vertx.builder() cannot say
        // how worker pools are made, and the pools are what holds memory after a load (see OnDemandThreadPool).
        // NIO transport: Netty's native epoll (its jar added, set as the bootstrap's transport, which ignores
        // preferNativeTransport) measured the same on every bench/compare.sh scenario, within the noise, on 2026-11-29.
        OnDemandThreadPool threadPools = new OnDemandThreadPool();
        Vertx vertx = VertxBootstrap.create()
                // As many event loops as listener instances: a loop no listener uses would only hold a thread.
                .options(new VertxOptions().setEventLoopPoolSize(http.eventLoops()))
                .executorServiceFactory(threadPools)
                .init()
                .vertx();
        Notifications notifications = null;
        try {
            // Before the API exists, so no request is served without its events being recorded.
            notifications = Notifications.start(notificationSettings, unwrapped, metrics.meterRegistry(),
                    http.externalUrl(), http.prefix(), http.addr().port());
            WatchedWorkerPool workers = new WatchedWorkerPool("portcullis-storage", STORAGE_THREADS,
                    vertx.createSharedWorkerExecutor("portcullis-storage", STORAGE_THREADS, 24, TimeUnit.HOURS));
            // bcrypt gets its own small pool: a flood of bad logins must not starve uploads of threads.
            WorkerExecutor authWorkers = vertx.createSharedWorkerExecutor("portcullis-auth",
                    Math.max(2, Runtime.getRuntime().availableProcessors()), 1, TimeUnit.MINUTES);
            Authorizer authorizer = AuthorizerFactory.create(config.auth(), vertx, authWorkers, metrics);
            HealthMonitor health = new HealthMonitor(vertx, workers).watch(workers, POOL_EXHAUSTED_AFTER);
            for (Checks.Configured c : Checks.fromConfig(config.health(), config.storage().driver(), storage)) {
                health.add(c.check(), c.gatesApi());
            }
            PullThroughCache cache = proxy.isEmpty() ? null : new PullThroughCache(proxy.get(), storage,
                    new ProxyMetrics(metrics.meterRegistry()),
                    Path.of(System.getProperty("java.io.tmpdir"), "portcullis-proxy"));
            if (cache != null) {
                // Not gating the API: a cache serves what it holds while an upstream is away.
                UpstreamReadiness.checks(cache).forEach(c -> health.add(c, false));
            }
            // Reported on /readyz, never gating: an endpoint that is down delays events, not pushes.
            notifications.healthChecks().forEach(health::report);
            metrics.watch(health);
            ApiSettings api = new ApiSettings(http.prefix(), config.storage().deleteEnabled(), config.storage().readOnly(),
                    config.catalogMaxEntries(), http.externalUrl(), http.headers(),
                    ApiSettings.DEFAULT_MAX_MANIFEST_BYTES, config.body(),
                    !config.log().accessLogDisabled());
            // One for the whole server: the limits are per process, however many routers serve it.
            BodySlots bodySlots = new BodySlots(api.bodyLimits());
            RegistryApi registryApi = new RegistryApi(storage, api, authorizer, workers, metrics, health::serving, bodySlots,
                    notifications.notifier());
            if (cache != null) {
                registryApi.withCache(cache);
            }
            Router apiRouter = registryApi.router(vertx);
            Router root = Router.router(vertx);
            // Probes need no credentials and must work while the API answers 503.
            new HealthEndpoints(health).mount(root);
            root.route(http.prefix() + "*").subRouter(apiRouter);
            RegistryApi.installErrorHandlers(root);
            HttpServerOptions options = new HttpServerOptions()
                    .setHost(http.addr().host())
                    .setPort(http.addr().port())
                    .setHandle100ContinueAutomatically(true)
                    .setCompressionSupported(false)
                    // Request bodies reach the upload in pieces of at most this size (Netty's default is 8 KiB).
                    .setMaxChunkSize(MAX_CHUNK_SIZE)
                    .setIdleTimeout(300)
                    .setIdleTimeoutUnit(TimeUnit.SECONDS);
            if (tls.isPresent()) {
                tls.get().applyTo(options, material.get());
            }
            // Plain HTTP answers an h2c upgrade only with http.h2c.enabled (Vert.x's default would always).
            options.setHttp2ClearTextEnabled(http.h2cEnabled() && !http.http2Disabled());
            if (http.http2Disabled()) {
                // Distribution's http.http2.disabled: ALPN offers http/1.1 alone (a certificate reload keeps that:
                // Vert.x takes the protocols from these options), and plain HTTP refuses the h2c upgrade.
                options.setAlpnVersions(java.util.List.of(io.vertx.core.http.HttpVersion.HTTP_1_1));
            }
            EventLoopListeners listeners = EventLoopListeners.listen(vertx, http.eventLoops(), options, root)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            LOG.info("listening on " + http.addr().host() + ":" + listeners.actualPort() + (tls.isPresent() ? " (https)" : " (http)")
                    + " on " + listeners.instances() + " event loops");
            CertificateReloader reloader = tls.isEmpty() ? null
                    : new CertificateReloader(vertx, listeners.server(), tls.get(), material.get(), CERTIFICATE_CHECK_MILLIS);
            if (reloader != null) {
                metrics.watchCertificates("serving", () -> java.util.List.of(reloader.currentCertificate()));
                if (!reloader.currentClientCas().isEmpty()) {
                    metrics.watchCertificates("client-ca", reloader::currentClientCas);
                }
            }
            HttpServer debug = http.debugAddr().isEmpty() ? null : startDebugServer(vertx, http, health, metrics);
            RegistryServer started = new RegistryServer(vertx, listeners, debug, config, reloader, health);
            started.threadPools = threadPools;
            started.maintenance = maintenance.start();
            started.cache = cache == null ? null : cache.startExpiry();
            started.notifications = notifications;
            // Readiness waits for the warm-up: the health checks (each must pass once) start when it is over. The API
            // serves meanwhile; a failed or stuck warm-up only costs the first pulls their speed.
            Future<Void> warmUp = http.warmUpDisabled() ? Future.succeededFuture()
                    : WarmUp.run(vertx, workers, options, api, material.map(TlsOptionsFactory.Material::certificate));
            warmUp.timeout(WARM_UP_LIMIT_SECONDS, TimeUnit.SECONDS)
                    .onComplete(warm -> {
                        if (warm.failed() && !started.isClosed()) {
                            LOG.warning("warm-up did not complete, the first pulls will be slower: " + warm.cause().getMessage());
                        }
                        started.startHealthChecks();
                    });
            return started;
        } catch (java.util.concurrent.ExecutionException e) {
            closeQuietly(notifications);
            vertx.close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IOException("cannot listen on " + http.addr() + ": " + cause.getMessage(), cause);
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            closeQuietly(notifications);
            vertx.close();
            throw new IOException("cannot listen on " + http.addr() + ": timed out", e);
        }
    }

    /**
     * {@code http.debug.addr}: health and metrics over plain HTTP, for the kubelet's probes and Prometheus, which
     * cannot present the client certificate a mutual-TLS main port demands. It serves no registry content.
     */
    private static HttpServer startDebugServer(Vertx vertx, HttpSettings http, HealthMonitor health, RegistryMetrics metrics)
            throws java.util.concurrent.ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        Router debug = Router.router(vertx);
        new HealthEndpoints(health).mount(debug);
        if (http.prometheusEnabled()) {
            debug.get(http.prometheusPath()).handler(ctx -> ctx.vertx().<String>executeBlocking(metrics::scrape, false)
                    .onSuccess(text -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                            .end(text))
                    .onFailure(ctx::fail));
        }
        // One instance, one event loop: probes and scrapes are a few requests a minute, not worth a thread per core.
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(http.debugAddr().get().host())
                .setPort(http.debugAddr().get().port()).setHttp2ClearTextEnabled(false)).requestHandler(debug);
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("debug server (health, metrics) listening on " + http.debugAddr().get().host() + ":" + server.actualPort());
        return server;
    }

    private static void closeQuietly(Notifications notifications) {
        if (notifications != null) {
            notifications.close();
        }
    }

    private static void refuseUnsafeListeners(RegistryConfig config) {
        HttpSettings http = config.http();
        if (http.tls().isEmpty() && !http.insecure() && !http.addr().isLoopback()) {
            throw new ConfigException("http.addr", "plain HTTP on " + http.addr() + " would expose credentials and images"
                    + " to the network; configure http.tls, listen on 127.0.0.1, or set http.insecure: true to accept the risk");
        }
    }

    public static DriverRegistryStorage openStorage(RegistryConfig config) throws IOException {
        return switch (config.storage().driver()) {
            case "filesystem" -> {
                Path root = RegistryConfigLoader.filesystemRoot(config.storage());
                try {
                    Files.createDirectories(root);
                } catch (IOException e) {
                    throw new ConfigException("storage.filesystem.rootdirectory", "cannot create " + root + ": " + e.getMessage());
                }
                if (!Files.isWritable(root)) {
                    throw new ConfigException("storage.filesystem.rootdirectory", root + " is not writable by this user");
                }
                yield new DriverRegistryStorage(new FilesystemDriver(root));
            }
            case "inmemory" -> new DriverRegistryStorage(new InMemoryDriver());
            case "s3" -> new DriverRegistryStorage(new S3Driver(
                    S3Settings.from(config.storage().parameters(), config.storage().redirectDisabled())));
            // Nothing is asked of Azure here: a wrong key or an unreachable endpoint fails readiness, not the start.
            case "azure" -> new DriverRegistryStorage(new AzureDriver(
                    AzureSettings.from(config.storage().parameters(), config.storage().redirectDisabled())));
            default -> throw new ConfigException("storage." + config.storage().driver(), "driver not supported by this build yet");
        };
    }

    /** The same storage with every driver call timed. */
    private static RegistryStorage metered(DriverRegistryStorage storage, RegistryMetrics metrics) {
        return new DriverRegistryStorage(new MeteredDriver(storage.driver(), metrics));
    }

    public int port() {
        return listeners.actualPort();
    }

    public RegistryConfig config() {
        return config;
    }

    public Optional<Integer> debugPort() {
        return Optional.ofNullable(debugServer).map(HttpServer::actualPort);
    }

    public HealthMonitor health() {
        return health;
    }

    /**
     * Graceful stop, as for SIGTERM: readiness turns false, the listener stops accepting, requests and uploads in
     * flight get up to {@code http.draintimeout} to finish, then everything closes.
     */
    public void drainAndClose() {
        health.drain();
        Duration timeout = config.http().drainTimeout();
        LOG.info("draining for up to " + timeout.toSeconds() + "s");
        try {
            listeners.shutdown(timeout.toMillis(), TimeUnit.MILLISECONDS).toCompletionStage().toCompletableFuture()
                    .get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warning("drain did not complete: " + e);
        }
        close();
    }

    /** The certificate new handshakes get, or empty without TLS. */
    public Optional<java.security.cert.X509Certificate> servedCertificate() {
        return Optional.ofNullable(reloader).map(CertificateReloader::currentCertificate);
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void startHealthChecks() {
        if (!closed) {
            health.start();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        if (maintenance != null) {
            maintenance.close();
        }
        if (cache != null) {
            cache.close();
        }
        if (reloader != null) {
            reloader.close();
        }
        health.close();
        try {
            if (debugServer != null) {
                debugServer.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            listeners.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.fine("closing the server: " + e);
        }
        // After the listeners: a request still in flight has written its events; undelivered ones wait in the outbox.
        closeQuietly(notifications);
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.fine("closing Vert.x: " + e);
        }
        // Vert.x stops its worker pools without waiting for the tasks they run: wait, so that no storage write (a
        // cancelled upload's clean-up, say) lands after close returns.
        if (threadPools != null) {
            threadPools.awaitTermination(Duration.ofSeconds(10));
        }
    }
}
