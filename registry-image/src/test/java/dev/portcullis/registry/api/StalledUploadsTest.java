package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads whose body never comes, or comes a byte at a time (issue 19, item 1): they must not starve the storage
 * workers that serve everyone else, and they are refused once too slow.
 */
class StalledUploadsTest {
    private static final String BLOB = "sha256:" + "0".repeat(64);

    @TempDir
    Path dir;
    RunningRegistry registry;
    final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** Sends the head of a monolithic upload that announces {@code length} bytes, and {@code sent} of them. */
    private Socket stalledUpload(String repo, int length, int sent) throws IOException {
        Socket s = new Socket("127.0.0.1", registry.port());
        sockets.add(s);
        s.setSoTimeout(60_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v2/" + repo + "/blobs/uploads/?digest=" + BLOB + " HTTP/1.1\r\nHost: " + registry.hostPort()
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[sent]);
        out.flush();
        return s;
    }

    private static String statusLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\r') {
            line.append((char) c);
        }
        return line.toString();
    }

    @Test
    void seventyStalledUploadsDoNotSlowAnonymousPulls() throws Exception {
        registry = RunningRegistry.start(dir);
        RegistryHttp http = new RegistryHttp(registry.url());
        assertEquals(200, awaitReady(http, 60).statusCode(), "ready before the uploads stall (warm-up done)");
        http.pushImage("pub/app", "v1", "layer".getBytes());
        // Warm: the first pull costs the JIT's start, not what is measured here.
        assertEquals(200, http.get("/v2/pub/app/manifests/v1").statusCode());
        for (int i = 0; i < 70; i++) {
            stalledUpload("pub/app", 1000, 0);
        }
        Thread.sleep(500);
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            HttpResponse<byte[]> r = http.get("/v2/pub/app/manifests/v1");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, r.statusCode());
            assertTrue(millis < 1000, "pull " + i + " took " + millis + " ms behind 70 stalled uploads");
        }
        // The storage check runs on a storage worker: it passes only if the stalled uploads hold none. Its next run
        // gets 10 s on a loaded machine: less than the 30 s body idle timeout that would free a held worker anyway.
        HttpResponse<byte[]> ready = awaitReady(http, 10);
        assertEquals(200, ready.statusCode(), "no storage worker is held: " + new String(ready.body()));
    }

    private static HttpResponse<byte[]> awaitReady(RegistryHttp http, int seconds) throws Exception {
        HttpResponse<byte[]> ready = http.get("/readyz");
        for (long deadline = System.nanoTime() + seconds * 1_000_000_000L; ready.statusCode() != 200 && System.nanoTime() < deadline; ) {
            Thread.sleep(200);
            ready = http.get("/readyz");
        }
        return ready;
    }

    @Test
    void aBodyThatNeverComesIsRefusedAfterTheIdleTimeout() throws Exception {
        registry = RunningRegistry.start(dir, """
                  body:
                    idletimeout: 2s
                """);
        long start = System.nanoTime();
        Socket s = stalledUpload("pub/app", 1000, 0);
        String status = statusLine(s);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(status.startsWith("HTTP/1.1 400"), status);
        assertTrue(millis >= 1500 && millis < 10_000, "refused after " + millis + " ms, not the old five minutes");
    }

    @Test
    void aTricklingBodyIsRefusedUnderTheMinimumRate() throws Exception {
        registry = RunningRegistry.start(dir, """
                  body:
                    idletimeout: 2s
                    minrate: 1000
                """);
        long start = System.nanoTime();
        Socket s = stalledUpload("pub/app", 100_000, 10);
        String status = statusLine(s);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(status.startsWith("HTTP/1.1 400"), status);
        assertTrue(millis < 10_000, "10 bytes in 2 s of waiting is under 1000 B/s: refused after " + millis + " ms");
    }

    @Test
    void aClientOverItsShareWaitsWhileOthersUpload() throws Exception {
        registry = RunningRegistry.start(dir, """
                  body:
                    idletimeout: 20s
                    maxperclient: 2
                """);
        // Two trickling uploads hold this address's share (each has sent a byte, so each holds a worker)...
        stalledUpload("pub/a", 1000, 1);
        stalledUpload("pub/b", 1000, 1);
        Thread.sleep(300);
        // ...and a third from the same address waits for its turn, holding no worker; another upload goes through.
        Socket third = stalledUpload("pub/c", 5, 5);
        byte[] layer = "another client's layer".getBytes();
        long start = System.nanoTime();
        assertEquals("HTTP/1.1 201 Created", uploadFrom(InetAddress.getByName("127.0.0.2"), "pub/d", layer));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5000);
        third.setSoTimeout(1000);
        assertTrue(assertTimesOut(third), "the third upload from the capped address is still waiting for its turn");
    }

    /** A whole monolithic upload from a chosen loopback address (127.0.0.0/8 all reach the listener on Linux). */
    private String uploadFrom(InetAddress from, String repo, byte[] content) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", registry.port()), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v2/" + repo + "/blobs/uploads/?digest=" + RegistryHttp.sha256(content) + " HTTP/1.1\r\nHost: "
                    + registry.hostPort() + "\r\nContent-Length: " + content.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            return statusLine(s);
        }
    }

    private static boolean assertTimesOut(Socket s) throws IOException {
        try {
            s.getInputStream().read();
            return false;
        } catch (java.net.SocketTimeoutException expected) {
            return true;
        }
    }
}
