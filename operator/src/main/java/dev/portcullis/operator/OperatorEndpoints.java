package dev.portcullis.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The operator's own endpoints, for its Deployment: {@code /healthz} and {@code /livez}
 * (liveness: the process answers), {@code /readyz} (started, every informer healthy; a replica waiting for the lease is
 * ready too: it is a hot standby) and {@code /metrics} (JOSDK's Micrometer metrics, Prometheus
 * text format).
 */
public final class OperatorEndpoints implements AutoCloseable {

  private final HttpServer server;

  private OperatorEndpoints(HttpServer server) {
    this.server = server;
  }

  public static OperatorEndpoints start(int port, Operator operator,
      PrometheusMeterRegistry registry) throws IOException {
    return start(port, () -> operator.getRuntimeInfo().isStarted()
        && operator.getRuntimeInfo().allEventSourcesAreHealthy(), registry);
  }

  static OperatorEndpoints start(int port, BooleanSupplier ready,
      PrometheusMeterRegistry registry) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
    server.createContext("/healthz", ex -> reply(ex, 200, "ok\n", "text/plain"));
    // The same as /healthz under the name the registry image and the install's probes use.
    server.createContext("/livez", ex -> reply(ex, 200, "ok\n", "text/plain"));
    server.createContext("/readyz", ex -> {
      boolean ok = ready.getAsBoolean();
      reply(ex, ok ? 200 : 503, ok ? "ok\n" : "not ready\n", "text/plain");
    });
    server.createContext("/metrics", ex -> reply(ex, 200, registry.scrape(),
        "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
    return new OperatorEndpoints(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int code, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (var out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
