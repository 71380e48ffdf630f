package dev.portcullis.registry.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a careless or malicious client sends: each gets the spec's error, and nothing is stored. Runs on the filesystem
 * driver; a subclass runs it on another driver through {@link #startRegistry(Path)} and {@link #assertStorageClean()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    @TempDir
    static Path dir;
    RunningRegistry registry;
    RegistryHttp http;

    /** The registry under test, with its working files under {@code dir}. */
    protected RunningRegistry startRegistry(Path dir) throws Exception {
        return RunningRegistry.start(dir);
    }

    /** Nothing was written outside the storage root. */
    protected void assertStorageClean() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(java.util.List.of(dir.resolve("storage")), files.toList());
        }
    }

    @BeforeAll
    void start() throws Exception {
        registry = startRegistry(dir);
        http = new RegistryHttp(registry.url());
    }

    @AfterAll
    void stop() throws Exception {
        registry.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Upper/case", "a//b", "-lead", "trail-", "a/../b", "a/./b", "_uploads", "a/_layers/x",
            "a..b", "a:b", "%2e%2e/x"})
    void invalidRepositoryNamesAreRefused(String name) throws Exception {
        HttpResponse<byte[]> r = http.send("POST", "/v2/" + name + "/blobs/uploads/", new byte[0]);
        assertTrue(r.statusCode() == 400 || r.statusCode() == 404, "status " + r.statusCode());
        if (r.statusCode() == 400) {
            assertEquals("NAME_INVALID", RegistryHttp.errorCode(r));
        }
        assertNothingOutsideRoot();
    }

    @Test
    void overlongRepositoryNameIsRefused() throws Exception {
        String name = "a".repeat(256);
        HttpResponse<byte[]> r = http.get("/v2/" + name + "/tags/list");
        assertEquals(400, r.statusCode());
        assertEquals("NAME_INVALID", RegistryHttp.errorCode(r));
    }

    @Test
    void traversalThroughEncodedSlashesNeverLeavesTheRoot() throws Exception {
        for (String path : new String[] {"/v2/..%2f..%2f..%2ftmp/blobs/uploads/", "/v2/%2e%2e/%2e%2e/tmp/blobs/uploads/",
                "/v2/a/blobs/uploads/..%2f..%2f..%2fx", "/v2/a/blobs/uploads/../../../x"}) {
            HttpResponse<byte[]> r = http.send("POST", path, "x".getBytes());
            assertNotEquals(500, r.statusCode(), path);
            assertTrue(r.statusCode() >= 400, path + " answered " + r.statusCode());
        }
        assertNothingOutsideRoot();
    }

    @Test
    void wrongDigestIsRefusedAndNothingIsVisible() throws Exception {
        byte[] content = "hello".getBytes();
        String wrong = RegistryHttp.sha256("other".getBytes());
        HttpResponse<byte[]> r = http.send("POST", "/v2/hostile/digest/blobs/uploads/?digest=" + wrong, content);
        assertEquals(400, r.statusCode());
        assertEquals("DIGEST_INVALID", RegistryHttp.errorCode(r));
        assertEquals(404, http.head("/v2/hostile/digest/blobs/" + wrong).statusCode());
        assertEquals(404, http.head("/v2/hostile/digest/blobs/" + RegistryHttp.sha256(content)).statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "nodigest",
            "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void malformedDigestsAreDigestInvalid(String digest) throws Exception {
        HttpResponse<byte[]> r = http.get("/v2/hostile/blobs/" + digest);
        assertEquals(400, r.statusCode());
        assertEquals("DIGEST_INVALID", RegistryHttp.errorCode(r));
        r = http.send("POST", "/v2/hostile/blobs/uploads/?digest=" + digest, "x".getBytes());
        assertEquals(400, r.statusCode());
        assertEquals("DIGEST_INVALID", RegistryHttp.errorCode(r));
    }

    @Test
    void outOfOrderChunkIs416AndTheUploadIsUnchanged() throws Exception {
        String location = startUpload("hostile/chunks");
        HttpResponse<byte[]> r = http.send("PATCH", location, "abcd".getBytes(), "Content-Range", "0-3",
                "Content-Type", "application/octet-stream");
        assertEquals(202, r.statusCode());
        assertEquals("0-3", r.headers().firstValue("Range").orElseThrow());
        r = http.send("PATCH", location, "efgh".getBytes(), "Content-Range", "10-13",
                "Content-Type", "application/octet-stream");
        assertEquals(416, r.statusCode());
        r = http.get(location);
        assertEquals(204, r.statusCode());
        assertEquals("0-3", r.headers().firstValue("Range").orElseThrow());
        r = http.send("PUT", location + "?digest=" + RegistryHttp.sha256("abcdefgh".getBytes()), "efgh".getBytes(),
                "Content-Range", "4-7");
        assertEquals(201, r.statusCode(), new String(r.body()));
    }

    @Test
    void chunkShorterThanItsContentRangeIsRefusedAndDropped() throws Exception {
        String location = startUpload("hostile/short");
        HttpResponse<byte[]> r = http.send("PATCH", location, "abcd".getBytes(), "Content-Range", "0-9");
        assertEquals(400, r.statusCode());
        assertEquals("SIZE_INVALID", RegistryHttp.errorCode(r));
        assertEquals("0-0", http.get(location).headers().firstValue("Range").orElseThrow());
    }

    @Test
    void bodyShorterThanContentLengthDoesNotCreateABlob() throws Exception {
        byte[] content = "0123456789".getBytes();
        String digest = RegistryHttp.sha256(content);
        try (Socket s = new Socket("127.0.0.1", registry.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v2/hostile/short-body/blobs/uploads/?digest=" + digest + " HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            in.readAllBytes();
        }
        assertEquals(404, http.head("/v2/hostile/short-body/blobs/" + digest).statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-an-id", "..%2f..%2f..%2fetc", "00000000-0000-0000-0000-000000000000"})
    void unknownUploadIdsAreBlobUploadUnknown(String id) throws Exception {
        for (String method : new String[] {"GET", "PATCH", "PUT", "DELETE"}) {
            HttpResponse<byte[]> r = http.send(method, "/v2/hostile/blobs/uploads/" + id
                    + (method.equals("PUT") ? "?digest=" + RegistryHttp.sha256(new byte[0]) : ""), new byte[0]);
            assertEquals(404, r.statusCode(), method + " " + id);
            assertEquals("BLOB_UPLOAD_UNKNOWN", RegistryHttp.errorCode(r), method + " " + id);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=100-200", "bytes=5-2", "items=0-1", "bytes=0-1,3-4", "bytes=-0", "bytes=x-y"})
    void badRangesAre416WithTheSize(String range) throws Exception {
        String digest = http.pushBlob("hostile/range", "0123456789".getBytes());
        HttpResponse<byte[]> r = http.get("/v2/hostile/range/blobs/" + digest, "Range", range);
        assertEquals(416, r.statusCode(), range);
        assertEquals("bytes */10", r.headers().firstValue("Content-Range").orElseThrow());
    }

    @Test
    void rangesAreServedAsPartialContent() throws Exception {
        String digest = http.pushBlob("hostile/range2", "0123456789".getBytes());
        HttpResponse<byte[]> r = http.get("/v2/hostile/range2/blobs/" + digest, "Range", "bytes=2-5");
        assertEquals(206, r.statusCode());
        assertEquals("2345", new String(r.body()));
        assertEquals("bytes 2-5/10", r.headers().firstValue("Content-Range").orElseThrow());
        r = http.get("/v2/hostile/range2/blobs/" + digest, "Range", "bytes=-3");
        assertEquals("789", new String(r.body()));
        r = http.get("/v2/hostile/range2/blobs/" + digest, "Range", "bytes=7-");
        assertEquals("789", new String(r.body()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "[]", "null", "{\"schemaVersion\":1}", "{\"schemaVersion\":2}",
            "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:x\",\"size\":1,\"mediaType\":\"a\"},\"layers\":[]}",
            "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" + "a" + "\",\"size\":-1},\"layers\":[]}",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":{}}"})
    void malformedManifestsAreManifestInvalid(String body) throws Exception {
        HttpResponse<byte[]> r = http.putManifest("hostile/manifest", "bad", "application/vnd.oci.image.manifest.v1+json",
                body.getBytes());
        assertEquals(400, r.statusCode(), body);
        assertEquals("MANIFEST_INVALID", RegistryHttp.errorCode(r), body);
        assertEquals(404, http.get("/v2/hostile/manifest/manifests/bad").statusCode());
    }

    @Test
    void manifestWithMissingBlobIsManifestBlobUnknown() throws Exception {
        String missing = RegistryHttp.sha256("nowhere".getBytes());
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + missing
                + "\",\"size\":7},\"layers\":[]}").getBytes();
        HttpResponse<byte[]> r = http.putManifest("hostile/missing", "v1", "application/vnd.oci.image.manifest.v1+json",
                manifest);
        assertEquals(400, r.statusCode());
        assertEquals("MANIFEST_BLOB_UNKNOWN", RegistryHttp.errorCode(r));
    }

    @Test
    void blobOfAnotherRepositoryIsNotVisibleHere() throws Exception {
        String digest = http.pushBlob("hostile/owner", "private layer".getBytes());
        assertEquals(200, http.head("/v2/hostile/owner/blobs/" + digest).statusCode());
        HttpResponse<byte[]> r = http.get("/v2/hostile/other/blobs/" + digest);
        assertEquals(404, r.statusCode());
        assertEquals("BLOB_UNKNOWN", RegistryHttp.errorCode(r));
        // Mounting without naming the source must not discover it either.
        r = http.send("POST", "/v2/hostile/other/blobs/uploads/?mount=" + digest, new byte[0]);
        assertEquals(202, r.statusCode());
    }

    @Test
    void oversizedManifestIsRefusedUnread() throws Exception {
        byte[] huge = new byte[4 * 1024 * 1024 + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<byte[]> r = http.putManifest("hostile/huge", "v1", "application/vnd.oci.image.manifest.v1+json", huge);
        assertEquals(413, r.statusCode());
        assertEquals("SIZE_INVALID", RegistryHttp.errorCode(r));
        assertEquals(404, http.get("/v2/hostile/huge/manifests/v1").statusCode());
    }

    @Test
    void manifestPutByWrongDigestIsDigestInvalid() throws Exception {
        byte[] manifest = http.pushImage("hostile/bydigest", "ok", "layer".getBytes());
        String wrong = RegistryHttp.sha256("different".getBytes());
        HttpResponse<byte[]> r = http.putManifest("hostile/bydigest", wrong, "application/vnd.oci.image.manifest.v1+json",
                manifest);
        assertEquals(400, r.statusCode());
        assertEquals("DIGEST_INVALID", RegistryHttp.errorCode(r));
        assertEquals(404, http.get("/v2/hostile/bydigest/manifests/" + wrong).statusCode());
    }

    @Test
    void unknownEndpointsAndMethodsAreJsonErrorsNot500() throws Exception {
        HttpResponse<byte[]> r = http.get("/v2/hostile/nothing-here");
        assertEquals(404, r.statusCode());
        assertEquals("NOT_FOUND", RegistryHttp.errorCode(r));
        r = http.send("POST", "/v2/hostile/manifests/x", new byte[0]);
        assertEquals(405, r.statusCode());
        assertEquals("UNSUPPORTED", RegistryHttp.errorCode(r));
        assertEquals("registry/2.0", r.headers().firstValue("Docker-Distribution-API-Version").orElseThrow());
    }

    @Test
    void paginationNumberMustBeANumber() throws Exception {
        http.pushImage("hostile/pages", "v1", "l".getBytes());
        for (String n : new String[] {"-1", "x", "99999999999999"}) {
            HttpResponse<byte[]> r = http.get("/v2/hostile/pages/tags/list?n=" + n);
            assertEquals(400, r.statusCode(), n);
            assertEquals("PAGINATION_NUMBER_INVALID", RegistryHttp.errorCode(r));
        }
    }

    private String startUpload(String repo) throws Exception {
        HttpResponse<byte[]> r = http.send("POST", "/v2/" + repo + "/blobs/uploads/", new byte[0]);
        assertEquals(202, r.statusCode());
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** Everything the registry wrote is under its storage root. */
    private void assertNothingOutsideRoot() throws IOException {
        assertStorageClean();
        assertFalse(Files.exists(Path.of("/tmp/blobs")));
    }
}
