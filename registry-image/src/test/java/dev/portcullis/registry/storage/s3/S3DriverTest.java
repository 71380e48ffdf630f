package dev.portcullis.registry.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.DriverRegistryStorage;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.RegistryStorageContract;
import dev.portcullis.registry.storage.driver.ConcurrentAppendException;
import dev.portcullis.registry.storage.driver.FileWriter;
import dev.portcullis.registry.storage.driver.StorageDriver;
import dev.portcullis.registry.storage.driver.StorageDriverContract;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver contract on the S3 driver against a real S3 API (s3proxy), plus what only S3 has. */
class S3DriverTest extends StorageDriverContract {
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    static S3ProxyServer s3;

    private final List<S3Driver> opened = new ArrayList<>();
    private String bucket;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3ProxyServer.start(dir);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @AfterEach
    void closeClients() {
        opened.forEach(S3Driver::close);
    }

    private S3Driver open(Map<String, Object> extra) {
        Map<String, Object> params = new HashMap<>(s3.storageParameters(bucket));
        params.put("rootdirectory", "/reg/root");
        // S3's smallest part, so that the contract's files cross part boundaries.
        params.put("chunksize", 5 * MIB);
        params.putAll(extra);
        S3Driver driver = new S3Driver(S3Settings.from(params, false));
        opened.add(driver);
        return driver;
    }

    @Override
    protected StorageDriver newDriver() {
        bucket = s3.createBucket();
        return open(Map.of());
    }

    @Override
    protected StorageDriver replica() {
        return open(Map.of());
    }

    @Override
    protected int partSize() {
        return 5 * MIB;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void keysFollowDistributionsLayout() throws Exception {
        RegistryStorage registry = new DriverRegistryStorage(driver);
        Digest small = RegistryStorageContract.push(registry, RepositoryName.parse("lay/out"), "layout".getBytes());
        Digest large = RegistryStorageContract.push(registry, RepositoryName.parse("lay/out"), random(11 * MIB + 3, 1));
        List<String> keys = new ArrayList<>();
        s3.blobStore().list(bucket, org.jclouds.blobstore.options.ListContainerOptions.Builder.recursive())
                .forEach(m -> keys.add(m.getName()));
        for (Digest d : List.of(small, large)) {
            assertTrue(keys.contains("reg/root/docker/registry/v2/blobs/sha256/" + d.hex().substring(0, 2) + "/"
                    + d.hex() + "/data"), keys.toString());
            assertTrue(keys.contains("reg/root/docker/registry/v2/repositories/lay/out/_layers/sha256/" + d.hex()
                    + "/link"), keys.toString());
        }
        assertTrue(keys.stream().noneMatch(k -> k.contains("_uploads")), "finished uploads leave nothing: " + keys);
    }

    @Test
    void largeFilesAreCopiedInParts() throws Exception {
        S3Driver small = open(Map.of("multipartcopythresholdsize", 5 * MIB, "multipartcopychunksize", 5 * MIB));
        byte[] content = random(12 * MIB + 7, 9);
        small.putContent("/big/source", content);
        small.move("/big/source", "/big/target");
        try (InputStream in = driver.reader("/big/target", 0)) {
            assertArrayEquals(content, in.readAllBytes());
        }
    }

    @Test
    void presignedRedirectServesTheFile() throws Exception {
        driver.putContent("/re/direct", "redirected content".getBytes());
        URI url = driver.redirectUrl("/re/direct", Duration.ofMinutes(5)).orElseThrow();
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body()));
        assertArrayEquals("redirected content".getBytes(), r.body());
        S3Driver noRedirect = new S3Driver(S3Settings.from(s3.storageParameters(bucket), true));
        opened.add(noRedirect);
        assertTrue(noRedirect.redirectUrl("/re/direct", Duration.ofMinutes(5)).isEmpty());
    }

    /** Two writers continuing the same version of a file: the first commit wins, the second learns it lost. */
    @Test
    void ofTwoConcurrentAppendsOneCommits() throws Exception {
        for (int size : List.of(1000, 6 * MIB)) {
            driver.putContent("/race/data", random(2 * MIB, 30));
            FileWriter a = driver.writer("/race/data", true);
            FileWriter b = replica().writer("/race/data", true);
            byte[] x = random(size, 31);
            a.write(x, 0, x.length);
            b.write(random(size, 32), 0, size);
            a.commit();
            assertThrows(ConcurrentAppendException.class, b::commit);
            assertEquals(2 * MIB + size, driver.stat("/race/data").size());
            try (InputStream in = driver.reader("/race/data", 2 * MIB)) {
                assertArrayEquals(x, in.readAllBytes(), "the winner's bytes");
            }
        }
    }

    /**
     * A client that (wrongly) sends the same chunk to two replicas at once: whichever commit wins, the upload stays
     * self-consistent, so a commit either fails or publishes exactly the bytes its digest names.
     */
    @Test
    void concurrentChunksOnTwoReplicasNeverPublishWrongBytes() throws Exception {
        RepositoryName repo = RepositoryName.parse("race/chunks");
        RegistryStorage storage = new DriverRegistryStorage(driver);
        RegistryStorage other = new DriverRegistryStorage(replica());
        byte[] head = random(2 * MIB, 20);
        byte[] x = random(6 * MIB + 5, 21);
        byte[] y = random(6 * MIB + 5, 22);
        var u = storage.startUpload(repo);
        storage.appendToUpload(repo, u.id(), 0, head.length, new ByteArrayInputStream(head));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var fx = pool.submit(() -> storage.appendToUpload(repo, u.id(), head.length, x.length,
                    new ByteArrayInputStream(x)));
            var fy = pool.submit(() -> other.appendToUpload(repo, u.id(), head.length, y.length,
                    new ByteArrayInputStream(y)));
            for (var f : List.of(fx, fy)) {
                try {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException lost) {
                    // One of them may be refused; what matters is what can be committed.
                }
            }
        } finally {
            pool.shutdownNow();
        }
        int published = 0;
        for (RegistryStorage committer : List.of(storage, other)) {
            for (byte[] second : List.of(x, y)) {
                byte[] whole = new byte[head.length + second.length];
                System.arraycopy(head, 0, whole, 0, head.length);
                System.arraycopy(second, 0, whole, head.length, second.length);
                Digest d = Digest.sha256(whole);
                try {
                    committer.commitUpload(repo, u.id(), d);
                } catch (RuntimeException refused) {
                    continue;
                }
                published++;
                assertArrayEquals(whole, RegistryStorageContract.read(storage, d, 0),
                        "a committed blob holds exactly its digest's bytes");
            }
        }
        assertEquals(1, published, "one of the two chunks became the blob");
    }

    @Test
    void theProbeOfAMissingBucketSaysItsListingFailed() throws Exception {
        Map<String, Object> params = new HashMap<>(s3.storageParameters("no-such-bucket-" + System.nanoTime()));
        S3Driver missing = new S3Driver(S3Settings.from(params, false));
        opened.add(missing);
        IOException e = assertThrows(IOException.class, () -> missing.healthCheck("/_scratch/probe"));
        assertTrue(e.getMessage().startsWith("listing s3 bucket no-such-bucket-"), e.getMessage());
    }
}
