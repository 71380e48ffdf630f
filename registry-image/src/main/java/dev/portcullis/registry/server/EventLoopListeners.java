package dev.portcullis.registry.server;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server per event loop, all bound to the same host:port. A server started from outside a verticle has one
 * event-loop context, so a single thread would accept, decrypt and write every connection while the other cores idle;
 * Vert.x spreads a shared port's connections over the instances, each on its own event loop.
 */
public final class EventLoopListeners {
    private final Vertx vertx;
    private final List<HttpServer> servers;
    private final String deploymentId;

    private EventLoopListeners(Vertx vertx, List<HttpServer> servers, String deploymentId) {
        this.vertx = vertx;
        this.servers = List.copyOf(servers);
        this.deploymentId = deploymentId;
    }

    /** The number of event loops to serve on when none is configured: the processors this container may use. */
    public static int defaultCount() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Deploys {@code instances} servers with the same options and handler and completes once all listen. The handler
     * is shared, so it must be safe to call from several event loops at once.
     */
    public static Future<EventLoopListeners> listen(Vertx vertx, int instances, HttpServerOptions options,
                                                    Handler<HttpServerRequest> handler) {
        List<HttpServer> servers = new CopyOnWriteArrayList<>();
        // Port 0 would give each instance a random port of its own; a negative port is Vert.x's "one random port that
        // the servers asking for this same value share".
        HttpServerOptions shared = options.getPort() == 0 ? new HttpServerOptions(options).setPort(-1) : options;
        return vertx.deployVerticle(() -> context -> {
            // Runs on the instance's own event loop, so this server's connections are served there.
            HttpServer server = vertx.createHttpServer(shared).requestHandler(handler);
            servers.add(server);
            return server.listen();
        }, new DeploymentOptions().setInstances(instances)).map(id -> new EventLoopListeners(vertx, servers, id));
    }

    /** The bound port (the instances share it). */
    public int actualPort() {
        return servers.get(0).actualPort();
    }

    /** Any one of the servers: TLS updates through it apply to the shared port, which every instance serves. */
    public HttpServer server() {
        return servers.get(0);
    }

    public int instances() {
        return servers.size();
    }

    /** Stops accepting and gives the connections in flight up to {@code timeout} to finish. */
    public Future<Void> shutdown(long timeout, TimeUnit unit) {
        return Future.all(servers.stream().map(s -> s.shutdown(timeout, unit)).toList()).mapEmpty();
    }

    public Future<Void> close() {
        return vertx.undeploy(deploymentId);
    }
}
