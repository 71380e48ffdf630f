package dev.portcullis.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Plain-HTTP probes for the operator's Deployment: {@code /livez} answers 200 once the operator
 * has started, {@code /readyz} 200 while every informer is healthy (503 with the unhealthy event
 * sources otherwise). It serves nothing else.
 */
public final class HealthEndpoint implements AutoCloseable {

  /** Port of the probes; default 8080. */
  public static final String PORT_ENV = "PORTCULLIS_HEALTH_PORT";

  private final HttpServer server;

  private HealthEndpoint(HttpServer server) {
    this.server = server;
  }

  public static HealthEndpoint start(Operator operator, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "portcullis-health");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/livez", x -> answer(x, operator.getRuntimeInfo().isStarted(), "ok"));
    server.createContext("/readyz", x -> {
      var info = operator.getRuntimeInfo();
      boolean ready = info.isStarted() && info.allEventSourcesAreHealthy();
      answer(x, ready, ready ? "ok" : "unhealthy: " + info.unhealthyEventSources());
    });
    server.start();
    return new HealthEndpoint(server);
  }

  static int port() {
    String value = System.getenv(PORT_ENV);
    return value == null || value.isBlank() ? 8080 : Integer.parseInt(value.trim());
  }

  public int boundPort() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange x, boolean ok, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    x.sendResponseHeaders(ok ? 200 : 503, body.length);
    try (var out = x.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
