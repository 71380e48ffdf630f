package dev.portcullis.registry.conformance;

import static dev.portcullis.registry.conformance.RegistryClient.assertError;
import static dev.portcullis.registry.conformance.RegistryClient.assertNoBody;
import static dev.portcullis.registry.conformance.RegistryClient.assertRefused;
import static dev.portcullis.registry.conformance.RegistryClient.assertSpecErrorBodyIfJson;
import static dev.portcullis.registry.conformance.RegistryClient.withQuery;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.registry.conformance.RegistryClient.Blob;
import dev.portcullis.registry.conformance.RegistryClient.Manifest;
import dev.portcullis.registry.conformance.RegistryClient.RawResponse;
import dev.portcullis.registry.conformance.RegistryClient.Response;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An independent check of the OCI Distribution Specification v1.1, written from the specification text. It covers the
 * same four workflow categories as the official Go conformance suite (Pull, Push, Content Discovery, Content
 * Management), plus hostile input a production registry must survive.
 *
 * <p>Test methods are named {@code <workflow>_<behavior>} so a subclass can override exactly one behavior when the
 * registry under test is known to deviate. Assertions stay strict here; deviations are documented where they are
 * overridden.
 *
 * <p>Every test works in a fresh repository from {@link #freshRepository()}, so tests are independent and may run
 * against a registry that already holds content.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OciConformanceSuite {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    // ================================================================= hooks

    /** Base URL of the registry under test, e.g. {@code http://127.0.0.1:5000}. */
    protected abstract URI registryBaseUrl();

    /** A repository name that no other test uses; valid per the spec's name grammar. */
    protected String freshRepository() {
        return "conformance/r" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** Basic credentials sent with every request, if the registry needs them. */
    protected Optional<PasswordAuthentication> credentials() {
        return Optional.empty();
    }

    /** Trust for an https registry. */
    protected Optional<SSLContext> sslContext() {
        return Optional.empty();
    }

    /** The referrers API, {@code OCI-Subject} and {@code OCI-Filters-Applied} (added in 1.1). */
    protected boolean supportsReferrers() {
        return true;
    }

    /** DELETE /v2/&lt;name&gt;/manifests/&lt;tag&gt; ("a registry MAY implement tag deletion"). */
    protected boolean supportsDeleteByTag() {
        return true;
    }

    /** "The registry MAY treat the from parameter as optional, and it MAY cross-mount the blob if it can be found." */
    protected boolean supportsMountWithoutFrom() {
        return true;
    }

    /** "Registries MAY support pushing blobs using a single POST request." */
    protected boolean supportsSinglePostUpload() {
        return true;
    }

    /** {@code GET /v2/_catalog} is not part of the OCI spec (it comes from the Docker Registry API). */
    protected boolean supportsCatalog() {
        return true;
    }

    /** sha512 digests for blobs (the image spec registers sha512 next to sha256). */
    protected boolean supportsSha512() {
        return true;
    }

    /** The largest manifest the registry accepts; one byte more must be refused. */
    protected int maxManifestBytes() {
        return 4 * 1024 * 1024;
    }

    private RegistryClient client;

    protected final RegistryClient registry() {
        if (client == null) {
            client = new RegistryClient(registryBaseUrl(), credentials(), sslContext());
        }
        return client;
    }

    // ================================================================= content builders

    static Blob randomBlob(int size) {
        byte[] b = new byte[size];
        new java.util.Random().nextBytes(b);
        return Blob.of(b);
    }

    static Blob configBlob() {
        return Blob.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                + "\"comment\":\"" + UUID.randomUUID() + "\"}");
    }

    static String descriptor(String mediaType, Blob b) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + b.digest() + "\",\"size\":" + b.size() + "}";
    }

    /** An image: its config and layer are pushed, its manifest is only built. */
    record Image(Blob config, Blob layer, Manifest manifest) {}

    /** Pushes a config and a layer and builds an OCI image manifest over them, formatted unusually on purpose. */
    Image ociImage(String repo) {
        Blob config = configBlob();
        Blob layer = randomBlob(512);
        registry().pushBlob(repo, config);
        registry().pushBlob(repo, layer);
        // Unusual but valid formatting: a registry must store and serve these exact bytes.
        String json = "{\n   \"schemaVersion\" : 2,\n\t\"mediaType\": \"" + OCI_MANIFEST + "\",\n"
                + "  \"config\": " + descriptor(OCI_CONFIG, config) + ",\n"
                + "  \"layers\": [ " + descriptor(OCI_LAYER, layer) + " ],\n"
                + "  \"annotations\": {\"dev.portcullis.test\": \"" + UUID.randomUUID() + "\"}\n}\n";
        return new Image(config, layer, Manifest.of(OCI_MANIFEST, json));
    }

    Image dockerImage(String repo) {
        Blob config = configBlob();
        Blob layer = randomBlob(300);
        registry().pushBlob(repo, config);
        registry().pushBlob(repo, layer);
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_MANIFEST + "\","
                + "\"config\":" + descriptor(DOCKER_CONFIG, config) + ","
                + "\"layers\":[" + descriptor(DOCKER_LAYER, layer) + "]}  \n";
        return new Image(config, layer, Manifest.of(DOCKER_MANIFEST, json));
    }

    static Manifest index(String mediaType, String childMediaType, Manifest... children) {
        StringBuilder s = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"manifests\":[");
        for (int i = 0; i < children.length; i++) {
            Manifest c = children[i];
            s.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(childMediaType).append("\",\"digest\":\"")
                    .append(c.digest()).append("\",\"size\":").append(c.size())
                    .append(",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}");
        }
        return Manifest.of(mediaType, s.append("]}").toString());
    }

    /** Pushes a manifest (blobs first) and returns it; asserts 201. */
    Manifest pushedOciImage(String repo, String reference) {
        Image img = ociImage(repo);
        registry().pushManifest(repo, reference == null ? img.manifest().digest() : reference, img.manifest()).expect(201);
        return img.manifest();
    }

    static final Blob EMPTY_CONFIG = Blob.of("{}");

    /** An OCI artifact manifest (image manifest with artifactType, empty config) pointing at {@code subject}. */
    Manifest artifact(String repo, String artifactType, String subjectDescriptor, String annotationValue) {
        return artifact(repo, artifactType, OCI_EMPTY, subjectDescriptor, annotationValue);
    }

    /** As above with a chosen config media type, which names the artifact when artifactType is absent. */
    Manifest artifact(String repo, String artifactType, String configMediaType, String subjectDescriptor, String annotationValue) {
        registry().pushBlob(repo, EMPTY_CONFIG);
        Blob layer = Blob.of("artifact " + UUID.randomUUID());
        registry().pushBlob(repo, layer);
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
                + (artifactType == null ? "" : "\"artifactType\":\"" + artifactType + "\",")
                + "\"config\":" + descriptor(configMediaType, EMPTY_CONFIG) + ","
                + "\"layers\":[" + descriptor("application/octet-stream", layer) + "],"
                + "\"subject\":" + subjectDescriptor + ","
                + "\"annotations\":{\"dev.portcullis.note\":\"" + annotationValue + "\"}}";
        return Manifest.of(OCI_MANIFEST, json);
    }

    /** Every manifest type this suite pushes; clients SHOULD send an Accept header naming what they support. */
    static final String ACCEPT_ALL_MANIFESTS = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

    Response getManifest(String repo, String reference) {
        return registry().call("GET", "/v2/" + repo + "/manifests/" + reference).header("Accept", ACCEPT_ALL_MANIFESTS).send();
    }

    Response headManifest(String repo, String reference) {
        return registry().call("HEAD", "/v2/" + repo + "/manifests/" + reference).header("Accept", ACCEPT_ALL_MANIFESTS).send();
    }

    // ================================================================= base

    @Test
    void base_getV2Returns200() {
        registry().get("/v2/").expect(200);
    }

    @Test
    void base_getV2AnnouncesDockerDistributionApiVersion() {
        Response r = registry().get("/v2/").expect(200);
        assertEquals("registry/2.0", r.requireHeader("Docker-Distribution-API-Version"));
    }

    // ================================================================= pull

    @Test
    void pull_blobGetReturnsContentWithDigestAndLength() {
        String repo = freshRepository();
        Blob b = randomBlob(1000);
        registry().pushBlob(repo, b);
        Response r = registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200);
        assertArrayEquals(b.bytes(), r.body());
        assertEquals(b.digest(), r.requireHeader("Docker-Content-Digest"));
        assertEquals(String.valueOf(b.size()), r.requireHeader("Content-Length"));
    }

    @Test
    void pull_blobHeadReturnsDigestAndLengthWithoutBody() {
        String repo = freshRepository();
        Blob b = randomBlob(777);
        registry().pushBlob(repo, b);
        Response r = registry().head("/v2/" + repo + "/blobs/" + b.digest()).expect(200);
        assertEquals(b.digest(), r.requireHeader("Docker-Content-Digest"));
        assertEquals(String.valueOf(b.size()), r.requireHeader("Content-Length"));
        assertNoBody(r);
    }

    @Test
    void pull_blobRangeGetReturns206WithContentRange() {
        String repo = freshRepository();
        Blob b = randomBlob(100);
        registry().pushBlob(repo, b);
        Response r = registry().call("GET", "/v2/" + repo + "/blobs/" + b.digest()).header("Range", "bytes=10-19").send().expect(206);
        assertArrayEquals(Arrays.copyOfRange(b.bytes(), 10, 20), r.body());
        assertEquals("bytes 10-19/100", r.requireHeader("Content-Range"));
    }

    @Test
    void pull_unknownBlobIs404BlobUnknown() {
        String repo = freshRepository();
        pushedOciImage(repo, "present"); // the repository exists; only the blob is unknown
        String missing = RegistryClient.sha256(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        assertError(registry().get("/v2/" + repo + "/blobs/" + missing), 404, "BLOB_UNKNOWN");
        registry().head("/v2/" + repo + "/blobs/" + missing).expect(404);
    }

    @Test
    void pull_unknownManifestIs404ManifestUnknown() {
        String repo = freshRepository();
        pushedOciImage(repo, "present");
        assertError(getManifest(repo, "absent"), 404, "MANIFEST_UNKNOWN");
        String missing = RegistryClient.sha256(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        assertError(getManifest(repo, missing), 404, "MANIFEST_UNKNOWN");
        headManifest(repo, "absent").expect(404);
    }

    @Test
    void pull_unknownRepositoryIs404NameUnknown() {
        String repo = freshRepository();
        assertError(registry().get("/v2/" + repo + "/tags/list"), 404, "NAME_UNKNOWN");
        assertError(getManifest(repo, "latest"), Set.of(404), Set.of("NAME_UNKNOWN", "MANIFEST_UNKNOWN"));
    }

    /** Round trip of one manifest by tag and by digest: byte-identical body, pushed Content-Type, digest headers. */
    void assertManifestRoundTrip(String repo, Manifest m) {
        Response put = registry().pushManifest(repo, "v1", m).expect(201);
        put.requireHeader("Location");
        assertEquals(m.digest(), put.requireHeader("Docker-Content-Digest"));
        // the same bytes PUT by digest are the same manifest
        Response byDigest = registry().pushManifest(repo, m.digest(), m).expect(201);
        assertEquals(m.digest(), byDigest.requireHeader("Docker-Content-Digest"));
        for (String ref : List.of("v1", m.digest())) {
            Response get = registry().call("GET", "/v2/" + repo + "/manifests/" + ref).header("Accept", m.mediaType()).send().expect(200);
            assertArrayEquals(m.bytes(), get.body(), "manifest must be served byte-identical (" + ref + ")");
            assertEquals(m.mediaType(), get.requireHeader("Content-Type"));
            assertEquals(m.digest(), get.requireHeader("Docker-Content-Digest"));
            Response head = registry().call("HEAD", "/v2/" + repo + "/manifests/" + ref).header("Accept", m.mediaType()).send().expect(200);
            assertEquals(m.digest(), head.requireHeader("Docker-Content-Digest"));
            assertEquals(String.valueOf(m.size()), head.requireHeader("Content-Length"));
            assertEquals(m.mediaType(), head.requireHeader("Content-Type"));
            assertNoBody(head);
        }
    }

    @Test
    void pull_manifestWithoutAcceptHeaderIs200() {
        // The Accept header is a client SHOULD; "A GET request to an existing manifest URL MUST provide the expected
        // manifest, with a response code that MUST be 200 OK."
        String repo = freshRepository();
        Manifest m = pushedOciImage(repo, "plain");
        Response r = registry().get("/v2/" + repo + "/manifests/plain").expect(200);
        assertArrayEquals(m.bytes(), r.body());
        assertEquals(OCI_MANIFEST, r.requireHeader("Content-Type"));
    }

    @Test
    void pull_ociImageManifestByTagAndDigest() {
        String repo = freshRepository();
        assertManifestRoundTrip(repo, ociImage(repo).manifest());
    }

    @Test
    void pull_ociIndexByTagAndDigest() {
        String repo = freshRepository();
        Manifest child = pushedOciImage(repo, null);
        assertManifestRoundTrip(repo, index(OCI_INDEX, OCI_MANIFEST, child));
    }

    @Test
    void pull_dockerSchema2ManifestByTagAndDigest() {
        String repo = freshRepository();
        assertManifestRoundTrip(repo, dockerImage(repo).manifest());
    }

    @Test
    void pull_dockerManifestListByTagAndDigest() {
        String repo = freshRepository();
        Manifest child = dockerImage(repo).manifest();
        registry().pushManifest(repo, child.digest(), child).expect(201);
        assertManifestRoundTrip(repo, index(DOCKER_LIST, DOCKER_MANIFEST, child));
    }

    // ================================================================= push: blobs

    @Test
    void push_blobWithPostThenPut() {
        String repo = freshRepository();
        Blob b = randomBlob(2048);
        String location = registry().startUpload(repo);
        Response put = registry().call("PUT", withQuery(location, "digest=" + b.digest()))
                .header("Content-Type", "application/octet-stream").body(b.bytes()).send().expect(201);
        registry().get(put.requireHeader("Location")).expect(200);
        assertArrayEquals(b.bytes(), registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200).body());
    }

    @Test
    void push_blobWithSinglePost() {
        String repo = freshRepository();
        Blob b = randomBlob(1500);
        Response post = registry().call("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + b.digest())
                .header("Content-Type", "application/octet-stream").body(b.bytes()).send();
        if (supportsSinglePostUpload()) {
            post.expect(201);
            post.requireHeader("Location");
        } else {
            // "Registries that do not support single request monolithic uploads SHOULD return a 202 Accepted status
            // code and Location header and clients SHOULD proceed with a subsequent PUT request"
            post.expect(202);
            registry().call("PUT", withQuery(post.requireHeader("Location"), "digest=" + b.digest()))
                    .header("Content-Type", "application/octet-stream").body(b.bytes()).send().expect(201);
        }
        assertArrayEquals(b.bytes(), registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200).body());
    }

    /** Uploads {@code chunk} at {@code start} and asserts the spec's 202 with Location and Range. */
    String patchChunk(String location, byte[] whole, int start, int end) {
        Response r = registry().call("PATCH", location)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", start + "-" + (end - 1))
                .body(Arrays.copyOfRange(whole, start, end))
                .send().expect(202);
        assertEquals("0-" + (end - 1), r.requireHeader("Range"));
        return r.requireHeader("Location");
    }

    @Test
    void push_blobInChunks() {
        String repo = freshRepository();
        Blob b = randomBlob(3000);
        String location = registry().startUpload(repo);
        location = patchChunk(location, b.bytes(), 0, 1000);
        location = patchChunk(location, b.bytes(), 1000, 2000);
        location = patchChunk(location, b.bytes(), 2000, 3000);
        registry().call("PUT", withQuery(location, "digest=" + b.digest())).send().expect(201);
        assertArrayEquals(b.bytes(), registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200).body());
    }

    @Test
    void push_blobInChunksWithFinalChunkInPut() {
        String repo = freshRepository();
        Blob b = randomBlob(2000);
        String location = patchChunk(registry().startUpload(repo), b.bytes(), 0, 1200);
        registry().call("PUT", withQuery(location, "digest=" + b.digest()))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "1200-1999")
                .body(Arrays.copyOfRange(b.bytes(), 1200, 2000)).send().expect(201);
        assertArrayEquals(b.bytes(), registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200).body());
    }

    @Test
    void push_outOfOrderChunkIs416() {
        String repo = freshRepository();
        Blob b = randomBlob(3000);
        String location = patchChunk(registry().startUpload(repo), b.bytes(), 0, 1000);
        Response skipped = registry().call("PATCH", location)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "2000-2999")
                .body(Arrays.copyOfRange(b.bytes(), 2000, 3000)).send();
        assertEquals(416, skipped.status(), skipped::describe);
        assertSpecErrorBodyIfJson(skipped);
        // "A GET request may be used to retrieve the current valid offset": still 0-999, and the upload can go on.
        Response status = registry().get(location).expect(204);
        assertEquals("0-999", status.requireHeader("Range"));
        location = patchChunk(status.requireHeader("Location"), b.bytes(), 1000, 3000);
        registry().call("PUT", withQuery(location, "digest=" + b.digest())).send().expect(201);
        assertArrayEquals(b.bytes(), registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200).body());
    }

    @Test
    void push_blobStreamedInOnePatch() {
        String repo = freshRepository();
        Blob b = randomBlob(70_000);
        String location = registry().startUpload(repo);
        Response patch = registry().call("PATCH", location)
                .header("Content-Type", "application/octet-stream")
                .streamedBody(b.bytes()).send().expect(202);
        registry().call("PUT", withQuery(patch.requireHeader("Location"), "digest=" + b.digest())).send().expect(201);
        assertArrayEquals(b.bytes(), registry().get("/v2/" + repo + "/blobs/" + b.digest()).expect(200).body());
    }

    @Test
    void push_uploadStatusIs204WithLocationAndRange() {
        String repo = freshRepository();
        Blob b = randomBlob(500);
        String location = patchChunk(registry().startUpload(repo), b.bytes(), 0, 200);
        Response status = registry().get(location).expect(204);
        status.requireHeader("Location");
        assertEquals("0-199", status.requireHeader("Range"));
    }

    @Test
    void push_cancelledUploadBecomesUnknown() {
        String repo = freshRepository();
        Blob b = randomBlob(500);
        String location = patchChunk(registry().startUpload(repo), b.bytes(), 0, 200);
        registry().delete(location).expect(204);
        assertError(registry().get(location), 404, "BLOB_UPLOAD_UNKNOWN");
        Response patch = registry().call("PATCH", location).header("Content-Type", "application/octet-stream")
                .header("Content-Range", "200-499").body(Arrays.copyOfRange(b.bytes(), 200, 500)).send();
        assertError(patch, 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void push_blobDigestMismatchIs400DigestInvalidAndNothingStored() {
        String repo = freshRepository();
        Blob b = randomBlob(400);
        Blob claimed = randomBlob(400);
        String location = registry().startUpload(repo);
        Response put = registry().call("PUT", withQuery(location, "digest=" + claimed.digest()))
                .header("Content-Type", "application/octet-stream").body(b.bytes()).send();
        assertError(put, 400, "DIGEST_INVALID");
        registry().head("/v2/" + repo + "/blobs/" + claimed.digest()).expect(404);
    }

    @Test
    void push_sha512Blob() {
        assumeTrue(supportsSha512(), "registry does not support sha512");
        String repo = freshRepository();
        byte[] bytes = randomBlob(1234).bytes();
        String digest = RegistryClient.sha512(bytes);
        String location = registry().startUpload(repo);
        registry().call("PUT", withQuery(location, "digest=" + digest))
                .header("Content-Type", "application/octet-stream").body(bytes).send().expect(201);
        Response get = registry().get("/v2/" + repo + "/blobs/" + digest).expect(200);
        assertArrayEquals(bytes, get.body());
        get.header("Docker-Content-Digest").ifPresent(d ->
                assertTrue(d.equals(digest) || d.equals(RegistryClient.sha256(bytes)), "digest header must match the body: " + d));
        registry().head("/v2/" + repo + "/blobs/" + digest).expect(200);
    }

    @Test
    void push_crossRepositoryMountIs201WithLocation() {
        String from = freshRepository();
        String to = freshRepository();
        Blob b = randomBlob(600);
        registry().pushBlob(from, b);
        Response r = registry().call("POST", "/v2/" + to + "/blobs/uploads/?mount=" + b.digest() + "&from=" + from).send().expect(201);
        registry().get(r.requireHeader("Location")).expect(200);
        assertArrayEquals(b.bytes(), registry().get("/v2/" + to + "/blobs/" + b.digest()).expect(200).body());
    }

    @Test
    void push_mountOfMissingBlobFallsBackTo202Upload() {
        String from = freshRepository();
        String to = freshRepository();
        pushedOciImage(from, "present");
        Blob b = randomBlob(600); // never pushed anywhere
        Response r = registry().call("POST", "/v2/" + to + "/blobs/uploads/?mount=" + b.digest() + "&from=" + from).send().expect(202);
        // The 202 "indicates that the upload session has begun": finish it.
        registry().call("PUT", withQuery(r.requireHeader("Location"), "digest=" + b.digest()))
                .header("Content-Type", "application/octet-stream").body(b.bytes()).send().expect(201);
        registry().head("/v2/" + to + "/blobs/" + b.digest()).expect(200);
    }

    @Test
    void push_mountWithoutFrom() {
        String from = freshRepository();
        String to = freshRepository();
        Blob b = randomBlob(600);
        registry().pushBlob(from, b);
        Response r = registry().call("POST", "/v2/" + to + "/blobs/uploads/?mount=" + b.digest()).send();
        if (supportsMountWithoutFrom()) {
            r.expect(201);
            registry().head("/v2/" + to + "/blobs/" + b.digest()).expect(200);
        } else {
            r.expect(202); // "if a registry ... is unable to mount the requested blob, it SHOULD return a 202"
            r.requireHeader("Location");
        }
    }

    // ================================================================= push: manifests

    @Test
    void push_manifestByDigest() {
        String repo = freshRepository();
        Manifest m = ociImage(repo).manifest();
        Response put = registry().pushManifest(repo, m.digest(), m).expect(201);
        put.requireHeader("Location");
        assertArrayEquals(m.bytes(), getManifest(repo, m.digest()).expect(200).body());
    }

    @Test
    void push_manifestReferencingMissingBlobIs400ManifestBlobUnknown() {
        String repo = freshRepository();
        pushedOciImage(repo, "present");
        Blob config = configBlob();
        registry().pushBlob(repo, config);
        Blob missing = randomBlob(100);
        Manifest m = Manifest.of(OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor(OCI_CONFIG, config) + ",\"layers\":[" + descriptor(OCI_LAYER, missing) + "]}");
        assertError(registry().pushManifest(repo, "broken", m), 400, "MANIFEST_BLOB_UNKNOWN");
        headManifest(repo, "broken").expect(404);
    }

    @Test
    void push_invalidManifestJsonIs400ManifestInvalid() {
        String repo = freshRepository();
        pushedOciImage(repo, "present");
        Manifest m = Manifest.of(OCI_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":");
        assertError(registry().pushManifest(repo, "garbage", m), 400, "MANIFEST_INVALID");
        headManifest(repo, "garbage").expect(404);
    }

    @Test
    void push_manifestDigestMismatchIs400DigestInvalid() {
        String repo = freshRepository();
        Manifest m = ociImage(repo).manifest();
        String wrong = RegistryClient.sha256("something else".getBytes(StandardCharsets.UTF_8));
        assertError(registry().pushManifest(repo, wrong, m), 400, "DIGEST_INVALID");
        headManifest(repo, wrong).expect(404);
        headManifest(repo, m.digest()).expect(404);
    }

    @Test
    void push_manifestWithSubjectOfUnknownManifestIsAccepted() {
        // "A registry MUST accept a manifest that includes a subject field referencing another manifest that does not
        // yet exist in the repository."
        String repo = freshRepository();
        Manifest notPushed = ociImage(repo).manifest();
        Manifest a = artifact(repo, "application/vnd.portcullis.test.sbom", notPushed.descriptor(), "early");
        registry().pushManifest(repo, a.digest(), a).expect(201);
        assertArrayEquals(a.bytes(), getManifest(repo, a.digest()).expect(200).body());
    }

    @Test
    void push_manifestWithSubjectAnswersOciSubjectHeader() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        Manifest subject = pushedOciImage(repo, "subject");
        Manifest a = artifact(repo, "application/vnd.portcullis.test.sig", subject.descriptor(), "signed");
        Response put = registry().pushManifest(repo, a.digest(), a).expect(201);
        assertEquals(subject.digest(), put.requireHeader("OCI-Subject"));
    }

    // ================================================================= content discovery

    void pushTags(String repo, List<String> tags) {
        Manifest m = pushedOciImage(repo, tags.get(0));
        for (String t : tags.subList(1, tags.size())) {
            registry().pushManifest(repo, t, m).expect(201);
        }
    }

    static List<String> tagsOf(Response r) {
        JsonNode json = r.json();
        List<String> tags = new ArrayList<>();
        JsonNode t = json.get("tags");
        if (t != null && !t.isNull()) {
            t.forEach(n -> tags.add(n.asText()));
        }
        return tags;
    }

    @Test
    void discovery_tagsListIsSortedWithName() {
        String repo = freshRepository();
        pushTags(repo, List.of("beta", "alpha", "v1.0", "1.0", "gamma"));
        Response r = registry().get("/v2/" + repo + "/tags/list").expect(200);
        assertEquals(repo, r.json().get("name").asText());
        assertEquals(List.of("1.0", "alpha", "beta", "gamma", "v1.0"), tagsOf(r));
    }

    @Test
    void discovery_tagsListPaginatesWithNAndLast() {
        String repo = freshRepository();
        pushTags(repo, List.of("a", "b", "c", "d", "e"));
        assertEquals(List.of("a", "b"), tagsOf(registry().get("/v2/" + repo + "/tags/list?n=2").expect(200)));
        assertEquals(List.of("c", "d"), tagsOf(registry().get("/v2/" + repo + "/tags/list?n=2&last=b").expect(200)));
        assertEquals(List.of("e"), tagsOf(registry().get("/v2/" + repo + "/tags/list?n=2&last=d").expect(200)));
        // "When using the last query parameter, the n parameter is OPTIONAL."
        assertEquals(List.of("d", "e"), tagsOf(registry().get("/v2/" + repo + "/tags/list?last=c").expect(200)));
    }

    static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    @Test
    void discovery_tagsListLinkHeaderLeadsToNextPage() {
        String repo = freshRepository();
        pushTags(repo, List.of("a", "b", "c", "d", "e"));
        List<String> all = new ArrayList<>();
        String next = "/v2/" + repo + "/tags/list?n=2";
        for (int pages = 0; next != null; pages++) {
            assertTrue(pages < 10, "pagination does not end");
            Response r = registry().get(next).expect(200);
            List<String> page = tagsOf(r);
            assertTrue(page.size() <= 2, () -> "page larger than n: " + page);
            all.addAll(page);
            Optional<String> link = r.header("Link");
            if (link.isPresent()) {
                Matcher m = NEXT_LINK.matcher(link.get());
                assertTrue(m.find(), () -> "Link header must be RFC 5988 with rel=\"next\": " + link.get());
                next = m.group(1);
            } else {
                // without a Link header the page must be full unless the list ended
                next = page.size() == 2 ? "/v2/" + repo + "/tags/list?n=2&last=" + page.get(1) : null;
            }
        }
        assertEquals(List.of("a", "b", "c", "d", "e"), all);
    }

    @Test
    void discovery_tagsListWithNZeroIsEmptyWithoutLink() {
        String repo = freshRepository();
        pushTags(repo, List.of("a", "b"));
        Response r = registry().get("/v2/" + repo + "/tags/list?n=0").expect(200);
        assertEquals(List.of(), tagsOf(r));
        assertFalse(r.header("Link").isPresent(), "n=0 MUST NOT include a Link header");
    }

    @Test
    void discovery_catalogPaginatesWithLink() {
        assumeTrue(supportsCatalog(), "registry does not serve /v2/_catalog");
        String prefix = "conformance/cat" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        List<String> repos = List.of(prefix + "/a", prefix + "/b", prefix + "/c");
        for (String r : repos) {
            pushedOciImage(r, "latest");
        }
        List<String> seen = new ArrayList<>();
        String next = "/v2/_catalog?n=2";
        for (int pages = 0; next != null; pages++) {
            assertTrue(pages < 10_000, "catalog pagination does not end");
            Response r = registry().get(next).expect(200);
            JsonNode names = r.json().get("repositories");
            assertTrue(names != null && names.isArray() && names.size() <= 2, r::describe);
            names.forEach(n -> seen.add(n.asText()));
            next = r.header("Link").map(l -> {
                Matcher m = NEXT_LINK.matcher(l);
                assertTrue(m.find(), () -> "Link header must carry rel=\"next\": " + l);
                return m.group(1);
            }).orElse(null);
        }
        List<String> sorted = new ArrayList<>(seen);
        sorted.sort(null);
        assertEquals(sorted, seen, "catalog must be in lexical order across pages");
        assertTrue(seen.containsAll(repos), () -> "catalog misses " + repos + ": " + seen);
        assertEquals(seen.size(), Set.copyOf(seen).size(), "a repository appears on two pages");
    }

    @Test
    void discovery_registryWithoutReferrersApiAnswers404() {
        // "A client querying the referrers API and receiving a 404 Not Found MUST fallback to using an image index
        // pushed to a tag described by the referrers tag schema": without the API, 404 is the only safe answer.
        assumeTrue(!supportsReferrers(), "registry implements the referrers API");
        String repo = freshRepository();
        Manifest m = pushedOciImage(repo, "present");
        registry().get("/v2/" + repo + "/referrers/" + m.digest()).expect(404);
    }

    @Test
    void discovery_referrersOfUnknownSubjectIsEmptyIndex() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        pushedOciImage(repo, "present");
        String unknown = RegistryClient.sha256(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        Response r = registry().get("/v2/" + repo + "/referrers/" + unknown).expect(200);
        assertTrue(r.requireHeader("Content-Type").startsWith(OCI_INDEX), r::describe);
        JsonNode index = r.json();
        assertEquals(2, index.get("schemaVersion").asInt());
        assertEquals(OCI_INDEX, index.get("mediaType").asText());
        assertTrue(index.get("manifests").isArray() && index.get("manifests").isEmpty(), r::describe);
    }

    @Test
    void discovery_referrersListArtifactTypeAndAnnotations() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        Manifest subject = pushedOciImage(repo, "subject");
        Manifest sbom = artifact(repo, "application/vnd.portcullis.test.sbom", subject.descriptor(), "sbom-note");
        Manifest untyped = artifact(repo, null, "application/vnd.portcullis.test.config", subject.descriptor(), "untyped-note");
        registry().pushManifest(repo, sbom.digest(), sbom).expect(201);
        registry().pushManifest(repo, untyped.digest(), untyped).expect(201);

        Response r = registry().get("/v2/" + repo + "/referrers/" + subject.digest()).expect(200);
        assertTrue(r.requireHeader("Content-Type").startsWith(OCI_INDEX), r::describe);
        JsonNode manifests = r.json().get("manifests");
        assertEquals(2, manifests.size(), r::describe);
        for (JsonNode d : manifests) {
            String digest = d.get("digest").asText();
            assertEquals(OCI_MANIFEST, d.get("mediaType").asText());
            if (digest.equals(sbom.digest())) {
                assertEquals(sbom.size(), d.get("size").asInt());
                assertEquals("application/vnd.portcullis.test.sbom", d.get("artifactType").asText());
                assertEquals("sbom-note", d.get("annotations").get("dev.portcullis.note").asText());
            } else {
                assertEquals(untyped.digest(), digest);
                // "If the referenced manifest has no artifactType, the descriptor's artifactType MUST be set to the
                // config descriptor's mediaType."
                assertEquals("application/vnd.portcullis.test.config", d.get("artifactType").asText());
                assertEquals("untyped-note", d.get("annotations").get("dev.portcullis.note").asText());
            }
        }
    }

    @Test
    void discovery_referrersFilterByArtifactType() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        Manifest subject = pushedOciImage(repo, "subject");
        Manifest sbom = artifact(repo, "application/vnd.portcullis.test.sbom", subject.descriptor(), "s");
        Manifest sig = artifact(repo, "application/vnd.portcullis.test.sig", subject.descriptor(), "g");
        registry().pushManifest(repo, sbom.digest(), sbom).expect(201);
        registry().pushManifest(repo, sig.digest(), sig).expect(201);

        Response r = registry().get("/v2/" + repo + "/referrers/" + subject.digest()
                + "?artifactType=application/vnd.portcullis.test.sig").expect(200);
        JsonNode manifests = r.json().get("manifests");
        if (r.header("OCI-Filters-Applied").isPresent()) {
            assertEquals("artifactType", r.requireHeader("OCI-Filters-Applied"));
            assertEquals(1, manifests.size(), r::describe);
            assertEquals(sig.digest(), manifests.get(0).get("digest").asText());
        } else {
            // filtering is a SHOULD; unfiltered, both referrers are listed
            assertEquals(2, manifests.size(), r::describe);
        }
    }

    @Test
    void discovery_referrersIncludeIndexWithSubject() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        Manifest subject = pushedOciImage(repo, "subject");
        Manifest child = pushedOciImage(repo, null);
        Manifest idx = Manifest.of(OCI_INDEX, "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
                + child.descriptor() + "],\"subject\":" + subject.descriptor()
                + ",\"annotations\":{\"dev.portcullis.note\":\"index-note\"}}");
        Response put = registry().pushManifest(repo, idx.digest(), idx).expect(201);
        assertEquals(subject.digest(), put.requireHeader("OCI-Subject"));

        JsonNode manifests = registry().get("/v2/" + repo + "/referrers/" + subject.digest()).expect(200).json().get("manifests");
        assertEquals(1, manifests.size(), manifests::toString);
        JsonNode d = manifests.get(0);
        assertEquals(idx.digest(), d.get("digest").asText());
        assertEquals(OCI_INDEX, d.get("mediaType").asText());
        // "If the referenced index has no artifactType, the descriptor's artifactType MUST be omitted."
        assertFalse(d.has("artifactType"), d::toString);
        assertEquals("index-note", d.get("annotations").get("dev.portcullis.note").asText());
    }

    @Test
    void discovery_referrersOfSubjectNeverPushedListReferrer() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        Manifest absent = ociImage(repo).manifest(); // built, never pushed
        Manifest a = artifact(repo, "application/vnd.portcullis.test.sbom", absent.descriptor(), "early");
        Response put = registry().pushManifest(repo, a.digest(), a).expect(201);
        assertEquals(absent.digest(), put.requireHeader("OCI-Subject"));
        JsonNode manifests = registry().get("/v2/" + repo + "/referrers/" + absent.digest()).expect(200).json().get("manifests");
        assertEquals(1, manifests.size(), manifests::toString);
        assertEquals(a.digest(), manifests.get(0).get("digest").asText());
    }

    @Test
    void discovery_deletedReferrerLeavesReferrersList() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        Manifest subject = pushedOciImage(repo, "subject");
        Manifest a = artifact(repo, "application/vnd.portcullis.test.sig", subject.descriptor(), "gone");
        registry().pushManifest(repo, a.digest(), a).expect(201);
        registry().delete("/v2/" + repo + "/manifests/" + a.digest()).expect(202);
        JsonNode manifests = registry().get("/v2/" + repo + "/referrers/" + subject.digest()).expect(200).json().get("manifests");
        assertTrue(manifests.isEmpty(), manifests::toString);
    }

    @Test
    void discovery_referrersWithInvalidDigestIs400() {
        assumeTrue(supportsReferrers(), "registry does not implement the referrers API");
        String repo = freshRepository();
        pushedOciImage(repo, "present");
        Response r = registry().get("/v2/" + repo + "/referrers/sha256:not-hex");
        assertEquals(400, r.status(), r::describe);
        assertSpecErrorBodyIfJson(r);
    }

    // ================================================================= content management

    @Test
    void management_deleteManifestByDigestThenItAndItsTagAre404() {
        String repo = freshRepository();
        Manifest m = pushedOciImage(repo, "doomed");
        registry().delete("/v2/" + repo + "/manifests/" + m.digest()).expect(202);
        assertError(getManifest(repo, m.digest()), 404, "MANIFEST_UNKNOWN");
        // "Once deleted, a GET to /v2/<name>/manifests/<digest> and any tag pointing to that digest will return a 404."
        assertError(getManifest(repo, "doomed"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void management_deleteByTag() {
        String repo = freshRepository();
        Manifest m = pushedOciImage(repo, "keep");
        registry().pushManifest(repo, "drop", m).expect(201);
        Response r = registry().delete("/v2/" + repo + "/manifests/drop");
        if (supportsDeleteByTag()) {
            r.expect(202);
            assertError(getManifest(repo, "drop"), 404, "MANIFEST_UNKNOWN");
            getManifest(repo, "keep").expect(200);
            assertEquals(List.of("keep"), tagsOf(registry().get("/v2/" + repo + "/tags/list").expect(200)));
            getManifest(repo, m.digest()).expect(200);
        } else {
            // "If tag deletion is disabled, the registry MUST respond with either a 400 Bad Request or a 405"
            assertTrue(r.status() == 400 || r.status() == 405, r::describe);
            assertSpecErrorBodyIfJson(r);
            getManifest(repo, "drop").expect(200);
        }
    }

    @Test
    void management_deleteBlobThenItIs404BlobUnknown() {
        String repo = freshRepository();
        Blob b = randomBlob(321);
        registry().pushBlob(repo, b);
        registry().delete("/v2/" + repo + "/blobs/" + b.digest()).expect(202);
        assertError(registry().get("/v2/" + repo + "/blobs/" + b.digest()), 404, "BLOB_UNKNOWN");
        registry().head("/v2/" + repo + "/blobs/" + b.digest()).expect(404);
    }

    @Test
    void management_deleteUnknownBlobIs404BlobUnknown() {
        String repo = freshRepository();
        pushedOciImage(repo, "present");
        String missing = RegistryClient.sha256(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        assertError(registry().delete("/v2/" + repo + "/blobs/" + missing), 404, "BLOB_UNKNOWN");
    }

    @Test
    void management_deleteManifestInUnknownRepositoryIs404() {
        String repo = freshRepository();
        String missing = RegistryClient.sha256(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        assertError(registry().delete("/v2/" + repo + "/manifests/" + missing), Set.of(404), Set.of("NAME_UNKNOWN", "MANIFEST_UNKNOWN"));
    }

    // ================================================================= repository names

    /** The name grammar is a MUST; the spec names no status, so 400 NAME_INVALID or 404 are accepted. */
    void assertNameRefused(String name) {
        for (Response r : List.of(
                registry().get("/v2/" + name + "/tags/list"),
                getManifest(name, "latest"),
                registry().call("POST", "/v2/" + name + "/blobs/uploads/").send())) {
            assertTrue(r.status() == 400 || r.status() == 404, () -> "invalid name must be refused: " + r.describe());
            if (r.status() == 400) {
                assertError(r, 400, "NAME_INVALID");
            } else {
                assertSpecErrorBodyIfJson(r);
            }
        }
    }

    @Test
    void names_upperCaseNameIsRefused() {
        assertNameRefused("conformance/UpperCase");
    }

    @Test
    void names_dotDotPathComponentIsRefused() {
        assertNameRefused("conformance/../x");
    }

    @Test
    void names_nameOf256CharactersIsRefused() {
        // "The total length of a repository name, including slashes, MUST be less than 256 characters."
        String name = "conformance/" + "a".repeat(256 - "conformance/".length());
        assertEquals(256, name.length());
        Response r = registry().call("POST", "/v2/" + name + "/blobs/uploads/").send();
        assertError(r, Set.of(400, 404), Set.of("NAME_INVALID"));
    }

    // ================================================================= hostile input

    String uploadPath(String repo) {
        URI u = registry().resolve(registry().startUpload(repo));
        return u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    void assertRegistryStillServes() {
        registry().get("/v2/").expect(200);
    }

    @Test
    void hostile_contentLengthLargerThanBodyStoresNothing() throws Exception {
        String repo = freshRepository();
        Blob sent = randomBlob(1000);
        RawResponse r = registry().raw("PUT", withQuery(uploadPath(repo), "digest=" + sent.digest()),
                List.of("Content-Type: application/octet-stream", "Content-Length: 5000"), sent.bytes());
        assertRefused(r);
        registry().head("/v2/" + repo + "/blobs/" + sent.digest()).expect(404);
        assertRegistryStillServes();
    }

    @Test
    void hostile_bodyLargerThanContentLengthStoresNothing() throws Exception {
        String repo = freshRepository();
        Blob sent = randomBlob(2000);
        Blob declared = Blob.of(Arrays.copyOf(sent.bytes(), 1000));
        RawResponse r = registry().raw("PUT", withQuery(uploadPath(repo), "digest=" + sent.digest()),
                List.of("Content-Type: application/octet-stream", "Content-Length: 1000"), sent.bytes());
        assertRefused(r); // only the declared 1000 bytes belong to the request, and they do not match the digest
        registry().head("/v2/" + repo + "/blobs/" + sent.digest()).expect(404);
        registry().head("/v2/" + repo + "/blobs/" + declared.digest()).expect(404);
        assertRegistryStillServes();
    }

    @Test
    void hostile_malformedDigestIs400DigestInvalid() {
        String repo = freshRepository();
        Blob b = randomBlob(100);
        for (String bad : List.of("sha256:xyz", "sha256:" + "0".repeat(63), "nodigest", "sha256:")) {
            String location = registry().startUpload(repo);
            Response r = registry().call("PUT", withQuery(location, "digest=" + bad))
                    .header("Content-Type", "application/octet-stream").body(b.bytes()).send();
            assertError(r, 400, "DIGEST_INVALID");
        }
        registry().head("/v2/" + repo + "/blobs/" + b.digest()).expect(404);
    }

    @Test
    void hostile_unsatisfiableRangeIs416() throws Exception {
        String repo = freshRepository();
        Blob b = randomBlob(100);
        registry().pushBlob(repo, b);
        Response r = registry().call("GET", "/v2/" + repo + "/blobs/" + b.digest()).header("Range", "bytes=500-600").send();
        assertEquals(416, r.status(), r::describe);
        assertSpecErrorBodyIfJson(r);
    }

    @Test
    void hostile_garbageRangeIsIgnoredOrRefused() throws Exception {
        String repo = freshRepository();
        Blob b = randomBlob(100);
        registry().pushBlob(repo, b);
        for (String range : List.of("bytes=abc", "bytes=20-10", "lines=1-2", "bytes=--1")) {
            Response r = registry().call("GET", "/v2/" + repo + "/blobs/" + b.digest()).header("Range", range).send();
            if (r.status() == 200) {
                assertArrayEquals(b.bytes(), r.body(), "an ignored Range must serve the whole blob");
            } else {
                assertEquals(416, r.status(), () -> "Range " + range + ": " + r.describe());
            }
        }
        assertRegistryStillServes();
    }

    @Test
    void hostile_malformedContentRangeOnPatchIsRefused() {
        String repo = freshRepository();
        Blob b = randomBlob(100);
        String location = registry().startUpload(repo);
        for (String range : List.of("abc", "10-5", "-1-5", "0-99999999999999999999999")) {
            Response r = registry().call("PATCH", location).header("Content-Type", "application/octet-stream")
                    .header("Content-Range", range).body(b.bytes()).send();
            assertTrue(r.status() == 400 || r.status() == 416, () -> "Content-Range " + range + ": " + r.describe());
            assertSpecErrorBodyIfJson(r);
        }
        registry().call("PUT", withQuery(location, "digest=" + b.digest()))
                .header("Content-Type", "application/octet-stream").body(b.bytes()).send().expect(201);
    }

    /** An OCI image manifest of exactly {@code size} bytes, padded with an annotation. */
    Manifest paddedManifest(Image img, int size) {
        String head = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor(OCI_CONFIG, img.config()) + ",\"layers\":[" + descriptor(OCI_LAYER, img.layer())
                + "],\"annotations\":{\"pad\":\"";
        String tail = "\"}}";
        Manifest m = Manifest.of(OCI_MANIFEST, head + "x".repeat(size - head.length() - tail.length()) + tail);
        assertEquals(size, m.size());
        return m;
    }

    @Test
    void push_manifestOfMaximumSizeIsAccepted() {
        // "Clients and registries SHOULD expect to support manifest uploads of at least 4 MiB."
        String repo = freshRepository();
        Manifest m = paddedManifest(ociImage(repo), maxManifestBytes());
        registry().pushManifest(repo, "large", m).expect(201);
        assertArrayEquals(m.bytes(), getManifest(repo, "large").expect(200).body());
    }

    @Test
    void hostile_oversizedManifestIsRefusedAndNotStored() {
        String repo = freshRepository();
        Manifest big = paddedManifest(ociImage(repo), maxManifestBytes() + 1);
        Response r = registry().pushManifest(repo, "huge", big);
        assertTrue(r.status() == 413 || r.status() == 400, () -> "oversized manifest must be refused: " + r.describe());
        if (r.status() == 400) {
            assertError(r, 400, "MANIFEST_INVALID");
        } else {
            assertSpecErrorBodyIfJson(r);
        }
        headManifest(repo, "huge").expect(404);
        headManifest(repo, big.digest()).expect(404);
        assertRegistryStillServes();
    }
}
