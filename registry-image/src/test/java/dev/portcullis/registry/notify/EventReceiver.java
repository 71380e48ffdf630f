package dev.portcullis.registry.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A webhook receiver for the tests: a real HTTP server on loopback that records every delivery (headers and body) and
 * answers as the test says: accept, a status code, or hang. It can go down and come back on the same port.
 */
final class EventReceiver implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One POST as received. */
    record Delivery(Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("delivery is not JSON: " + new String(body), e);
            }
        }
    }

    private final javax.net.ssl.SSLContext tls;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile boolean hang;
    private HttpServer server;

    private EventReceiver(javax.net.ssl.SSLContext tls) {
        this.tls = tls;
    }

    static EventReceiver start() throws IOException {
        return new EventReceiver(null).up();
    }

    /** HTTPS with {@code tls}'s certificate, demanding a client certificate its trust managers accept. */
    static EventReceiver startTls(javax.net.ssl.SSLContext tls) throws IOException {
        return new EventReceiver(tls).up();
    }

    /** (Re)starts listening on the same port. */
    synchronized EventReceiver up() throws IOException {
        int bindPort = server == null ? 0 : port();
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), bindPort);
        if (tls == null) {
            server = HttpServer.create(at, 50);
        } else {
            var https = com.sun.net.httpserver.HttpsServer.create(at, 50);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls) {
                @Override
                public void configure(com.sun.net.httpserver.HttpsParameters params) {
                    var p = tls.getDefaultSSLParameters();
                    p.setNeedClientAuth(true);
                    params.setSSLParameters(p);
                }
            });
            server = https;
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        boundPort = server.getAddress().getPort();
        return this;
    }

    private volatile int boundPort;

    /** Stops listening: deliveries now get connection refused. */
    synchronized void down() {
        if (server != null) {
            server.stop(0);
        }
    }

    int port() {
        return boundPort;
    }

    String url() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + port() + "/events";
    }

    void answer(int status) {
        this.status = status;
    }

    void hang(boolean hang) {
        this.hang = hang;
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        if (hang) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        Map<String, List<String>> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
        int answer = status;
        if (answer >= 200 && answer < 400) {
            deliveries.add(new Delivery(headers, body));
        }
        ex.sendResponseHeaders(answer, -1);
        ex.close();
    }

    List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Every event of every accepted Distribution-format delivery, in arrival order. */
    List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        for (Delivery d : deliveries) {
            d.json().path("events").forEach(out::add);
        }
        return out;
    }

    /** Waits until {@code done} holds for the events received; fails with what arrived after {@code timeout}. */
    List<JsonNode> await(Predicate<List<JsonNode>> done, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            List<JsonNode> events = events();
            if (done.test(events)) {
                return events;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("events did not arrive within " + timeout + "; got " + events().size() + ": " + events());
    }

    void clear() {
        deliveries.clear();
    }

    @Override
    public void close() {
        down();
    }
}
