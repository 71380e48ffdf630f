package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blob GETs from a storage driver that streams (S3 through s3proxy, no redirects), where the stream is copied to the
 * socket in pooled direct chunks through a pooled staging buffer ({@link ChunkSource.StreamChunks}): whole blobs,
 * concurrently, and ranges that start, end and straddle chunk and staging boundaries arrive byte for byte, and a
 * client that hangs up mid-blob does not disturb the ones after it.
 */
class S3BlobGetTest {
    /** Three full chunks and a partial one that is not a multiple of the staging buffer. */
    private static final int SIZE = 3 * PooledChunkSender.CHUNK + 12_345;

    @TempDir
    Path dir;

    @Test
    void streamedBlobsAndRangesArriveIntactConcurrentlyAndAfterAnAbandonedTransfer() throws Exception {
        byte[] content = new byte[SIZE];
        new Random(6).nextBytes(content);
        try (S3ProxyServer s3 = S3ProxyServer.start(dir.resolve("s3"));
             RunningRegistry registry = RunningRegistry.startS3(dir.resolve("registry"), s3, s3.createBucket(),
                     false, "")) {
            RegistryHttp http = new RegistryHttp(registry.url());
            String digest = http.pushBlob("s3/get", content);
            String path = "/v2/s3/get/blobs/" + digest;

            abandonMidBlob(registry, path);

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

            int chunk = PooledChunkSender.CHUNK;
            int staging = ChunkSource.StreamChunks.STAGING;
            long[][] ranges = {{0, 0}, {0, chunk - 1}, {staging - 1, staging}, {chunk - 10, chunk + 9},
                    {chunk + staging + 7, 3L * chunk + 5}, {2L * chunk + 1, SIZE - 1}, {SIZE - 1, SIZE - 1}};
            for (long[] range : ranges) {
                HttpResponse<byte[]> r = http.get(path, "Range", "bytes=" + range[0] + "-" + range[1]);
                assertEquals(206, r.statusCode(), Arrays.toString(range));
                assertArrayEquals(Arrays.copyOfRange(content, (int) range[0], (int) range[1] + 1), r.body(),
                        Arrays.toString(range));
            }
        }
    }

    /** Reads the head and a little of the body, then closes: the server must drop the transfer cleanly. */
    private static void abandonMidBlob(RunningRegistry registry, String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", registry.port())) {
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
