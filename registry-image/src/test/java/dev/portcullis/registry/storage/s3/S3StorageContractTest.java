package dev.portcullis.registry.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.RegistryStorageContract;
import dev.portcullis.registry.testsupport.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on the S3 driver against a real S3 API (s3proxy), plus what only S3 has. */
class S3StorageContractTest extends RegistryStorageContract {
    @TempDir
    static Path dir;
    static S3ProxyServer s3;

    private final List<S3Storage> opened = new ArrayList<>();
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
        opened.forEach(S3Storage::close);
    }

    private S3Storage open(Map<String, Object> extra) {
        Map<String, Object> params = new HashMap<>(s3.storageParameters(bucket));
        params.put("rootdirectory", "/reg/root");
        params.putAll(extra);
        S3Storage storage = new S3Storage(S3Settings.from(params, false));
        opened.add(storage);
        return storage;
    }

    @Override
    protected RegistryStorage newStorage() {
        bucket = s3.createBucket();
        return open(Map.of());
    }

    @Override
    protected RegistryStorage replica() {
        return open(Map.of());
    }

    @Test
    void keysFollowDistributionsLayout() throws Exception {
        Digest d = push(storage, RepositoryName.parse("lay/out"), "layout".getBytes());
        List<String> keys = new ArrayList<>();
        s3.blobStore().list(bucket, org.jclouds.blobstore.options.ListContainerOptions.Builder.recursive())
                .forEach(m -> keys.add(m.getName()));
        assertTrue(keys.contains("reg/root/docker/registry/v2/blobs/sha256/" + d.hex().substring(0, 2) + "/" + d.hex()
                + "/data"), keys.toString());
        assertTrue(keys.contains("reg/root/docker/registry/v2/repositories/lay/out/_layers/sha256/" + d.hex() + "/link"),
                keys.toString());
        assertTrue(keys.stream().noneMatch(k -> k.contains("_uploads")), "finished uploads leave nothing: " + keys);
    }

    @Test
    void largeBlobsAreCopiedInParts() throws Exception {
        S3Storage small = open(Map.of("multipartcopythresholdsize", 5 * MIB, "multipartcopychunksize", 5 * MIB));
        byte[] content = random(12 * MIB + 7, 9);
        Digest d = push(small, RepositoryName.parse("big/copy"), content);
        assertArrayEquals(content, read(storage, d, 0));
    }

    @Test
    void presignedRedirectServesTheBlob() throws Exception {
        Digest d = push(storage, RepositoryName.parse("re/direct"), "redirected content".getBytes());
        URI url = storage.blobRedirect(d, Duration.ofMinutes(5)).orElseThrow();
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body()));
        assertArrayEquals("redirected content".getBytes(), r.body());
        S3Storage noRedirect = new S3Storage(S3Settings.from(s3.storageParameters(bucket), true));
        opened.add(noRedirect);
        assertTrue(noRedirect.blobRedirect(d, Duration.ofMinutes(5)).isEmpty());
    }
}
