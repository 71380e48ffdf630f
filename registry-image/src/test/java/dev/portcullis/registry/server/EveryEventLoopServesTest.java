package dev.portcullis.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.eventloops}: the registry's port is served by that many event loops, and concurrent TLS connections are
 * spread over them instead of all landing on the one thread that would own a listener started outside a verticle.
 * The proof is which threads wrote the access log lines (each request's end runs on its connection's event loop).
 */
class EveryEventLoopServesTest {
    private static final int EVENT_LOOPS = 4;
    private static final int CONNECTIONS = 8;

    @TempDir
    Path dir;

    @Test
    void concurrentTlsConnectionsAreServedByEveryEventLoop() throws Exception {
        TestPki pki = new TestPki(dir, "loops-ca");
        TestPki.Issued tls = pki.server(dir, "server");
        Set<String> servingThreads = ConcurrentHashMap.newKeySet();
        Logger access = Logger.getLogger("dev.portcullis.registry.access");
        Level before = access.getLevel();
        Handler threads = new Handler() {
            @Override
            public void publish(LogRecord record) {
                servingThreads.add(Thread.currentThread().getName());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        access.setLevel(Level.INFO);
        access.addHandler(threads);
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  eventloops: %d
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(EVENT_LOOPS, tls.cert(), tls.key()))) {
            SSLContext ssl = TlsContexts.trusting(pki.caFile());
            // All connections open (and handshaken) at once: eight distinct connections, in flight together.
            List<SSLSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", registry.port());
                    s.startHandshake();
                    sockets.add(s);
                }
                List<Thread> clients = new ArrayList<>();
                List<String> statusLines = java.util.Collections.synchronizedList(new ArrayList<>());
                for (SSLSocket s : sockets) {
                    Thread t = new Thread(() -> statusLines.add(get(s, registry.hostPort())));
                    t.start();
                    clients.add(t);
                }
                for (Thread t : clients) {
                    t.join(30_000);
                }
                assertEquals(CONNECTIONS, statusLines.size());
                statusLines.forEach(line -> assertTrue(line.startsWith("HTTP/1.1 200"), line));
            } finally {
                for (SSLSocket s : sockets) {
                    s.close();
                }
            }
        } finally {
            access.removeHandler(threads);
            access.setLevel(before);
        }
        assertTrue(servingThreads.stream().allMatch(n -> n.startsWith("vert.x-eventloop-thread-")), servingThreads::toString);
        // Connections are handed to the instances in turn: eight connections over four loops reach all four.
        assertEquals(EVENT_LOOPS, servingThreads.size(), servingThreads::toString);
    }

    private static String get(SSLSocket socket, String hostPort) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: " + hostPort + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.substring(0, response.indexOf('\r'));
        } catch (Exception e) {
            return "failed: " + e;
        }
    }
}
