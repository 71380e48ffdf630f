package dev.portcullis.registry.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a real upstream registry that injects network faults on command: a connection reset after
 * some response bytes, or an immediate HTTP status of the upstream's edge (429 of a rate limiter, 503 of a load
 * balancer). It never answers registry requests itself: in {@link Mode#PASS} every byte is the upstream's.
 */
final class FaultyTcpProxy implements AutoCloseable {
    enum Mode { PASS, RESET_MID_RESPONSE, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE }

    /** Resets a connection once this many response bytes went through it: past any manifest, inside a blob. */
    static final int RESET_AFTER_BYTES = 256 * 1024;

    private final ServerSocket server;
    private final int targetPort;
    private volatile Mode mode = Mode.PASS;
    private final AtomicInteger resets = new AtomicInteger();

    FaultyTcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "faulty-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void mode(Mode m) {
        mode = m;
    }

    int resets() {
        return resets.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Mode m = mode;
                Thread t = new Thread(() -> serve(client, m), "faulty-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client, Mode m) {
        try (client) {
            if (m == Mode.TOO_MANY_REQUESTS || m == Mode.SERVICE_UNAVAILABLE) {
                readRequestHead(client.getInputStream());
                String status = m == Mode.TOO_MANY_REQUESTS ? "429 Too Many Requests\r\nRetry-After: 7" : "503 Service Unavailable";
                client.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                Thread up = new Thread(() -> copy(client, upstream, Long.MAX_VALUE), "faulty-proxy-up");
                up.setDaemon(true);
                up.start();
                long limit = m == Mode.RESET_MID_RESPONSE ? RESET_AFTER_BYTES : Long.MAX_VALUE;
                if (!copy(upstream, client, limit)) {
                    resets.incrementAndGet();
                    client.setSoLinger(true, 0);
                }
            }
        } catch (IOException ignored) {
            // the peer left
        }
    }

    /** Copies until EOF (true) or until {@code limit} bytes went through (false). */
    private static boolean copy(Socket from, Socket to, long limit) {
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (total + n > limit) {
                    out.write(buf, 0, (int) (limit - total));
                    out.flush();
                    return false;
                }
                out.write(buf, 0, n);
                out.flush();
                total += n;
            }
            to.shutdownOutput();
        } catch (IOException ignored) {
            // one side closed
        }
        return true;
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
