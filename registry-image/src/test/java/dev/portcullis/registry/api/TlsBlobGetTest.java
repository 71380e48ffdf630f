package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob GETs over TLS, where the file goes to the socket in pooled direct chunks ({@link PooledChunkSender}): whole
 * blobs and ranges that start, end and straddle chunk boundaries arrive byte for byte, concurrently, over HTTP/1.1
 * and as concurrent HTTP/2 streams, and a client that hangs up mid-blob does not disturb the ones after it.
 */
class TlsBlobGetTest {
    /** Three full chunks and a partial one. */
    private static final int SIZE = 3 * PooledChunkSender.CHUNK + 12_345;

    @TempDir
    Path dir;

    @Test
    void wholeBlobsAndRangesArriveIntactConcurrentlyAndAfterAnAbandonedTransfer() throws Exception {
        TestPki pki = new TestPki(dir, "get-ca");
        TestPki.Issued tls = pki.server(dir, "server");
        byte[] content = new byte[SIZE];
        new Random(23).nextBytes(content);
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(tls.cert(), tls.key()))) {
            SSLContext ssl = TlsContexts.trusting(pki.caFile());
            RegistryHttp http = new RegistryHttp("https://" + registry.hostPort(), ssl, null, null);
            String digest = http.pushBlob("tls/get", content);
            String path = "/v2/tls/get/blobs/" + digest;

            abandonMidBlob(ssl, registry, path);

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<HttpResponse<byte[]>>> whole = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    whole.add(pool.submit(() -> http.get(path)));
                }
                for (Future<HttpResponse<byte[]>> f : whole) {
                    HttpResponse<byte[]> r = f.get();
                    assertEquals(200, r.statusCode());
                    assertEquals(String.valueOf(SIZE), r.headers().firstValue("Content-Length").orElseThrow());
                    assertArrayEquals(content, r.body());
                }
            } finally {
                pool.shutdownNow();
            }

            // HTTP/2 (ALPN): the chunks go back to the pool only once the stream has written them.
            java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder().sslContext(ssl)
                    .version(java.net.http.HttpClient.Version.HTTP_2).build();
            List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> streams = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                streams.add(h2.sendAsync(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("https://" + registry.hostPort() + path)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (var stream : streams) {
                HttpResponse<byte[]> r = stream.get();
                assertEquals(java.net.http.HttpClient.Version.HTTP_2, r.version());
                assertEquals(200, r.statusCode());
                assertArrayEquals(content, r.body());
            }

            int chunk = PooledChunkSender.CHUNK;
            long[][] ranges = {{0, 0}, {0, chunk - 1}, {chunk, 2L * chunk - 1}, {chunk - 10, chunk + 9},
                    {2L * chunk + 1, SIZE - 1}, {SIZE - 1, SIZE - 1}};
            for (long[] range : ranges) {
                HttpResponse<byte[]> r = http.get(path, "Range", "bytes=" + range[0] + "-" + range[1]);
                assertEquals(206, r.statusCode(), Arrays.toString(range));
                assertArrayEquals(Arrays.copyOfRange(content, (int) range[0], (int) range[1] + 1), r.body(),
                        Arrays.toString(range));
            }
        }
    }

    /** Reads the head and a little of the body, then closes: the server must drop the transfer cleanly. */
    private static void abandonMidBlob(SSLContext ssl, RunningRegistry registry, String path) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", registry.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + registry.hostPort() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] some = in.readNBytes(64 * 1024);
            assertTrue(new String(some, 0, 12, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
        }
    }
}
