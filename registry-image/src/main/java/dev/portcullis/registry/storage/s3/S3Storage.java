package dev.portcullis.registry.storage.s3;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.oci.Tag;
import dev.portcullis.registry.storage.BlobRecord;
import dev.portcullis.registry.storage.LinkRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.storage.StoredManifest;
import dev.portcullis.registry.storage.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.digests.SHA256Digest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 driver, with Distribution's key layout under {@code <rootdirectory>/docker/registry/v2/}, so a bucket written
 * by Distribution is served unchanged.
 *
 * <p>Several replicas: every upload session lives in the bucket ({@link UploadRecord}), so any replica continues it.
 * No request path depends on list-after-write consistency: pushes and pulls only read keys they can name, and a read
 * of something that other evidence says exists (an upload the client holds an id for, a blob its link names) is
 * retried briefly before it counts as missing. Listings are used only where the API lists (tags, catalog, referrers)
 * and by garbage collection.
 *
 * <p>Visibility is atomic: a blob's {@code data} key is written by one PUT, one COPY or one multipart completion, only
 * after its digest was verified; its link is written after it. A failure midway leaves the upload as it was.
 */
public final class S3Storage implements RegistryStorage, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(S3Storage.class.getName());
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-f0-9-]{36}");
    private static final int READ_RETRIES = 3;
    private static final long READ_RETRY_MILLIS = 50;
    private static final long SINGLE_COPY_LIMIT = 5L * 1024 * 1024 * 1024;

    private final S3Settings settings;
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final String v2;
    private final ConcurrentHashMap<String, Object> uploadLocks = new ConcurrentHashMap<>();

    public S3Storage(S3Settings settings) {
        this.settings = settings;
        this.bucket = settings.bucket();
        this.v2 = settings.v2Prefix();
        AwsCredentialsProvider credentials = credentials(settings);
        Region region = Region.of(settings.region());
        var clientBuilder = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(settings.forcePathStyle())
                // S3-compatible stores differ in what they make of the SDK's default trailing checksums: ask only
                // where S3 requires them. Content integrity is ours anyway: every blob is verified by its digest.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(128)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(c -> c.apiCallAttemptTimeout(Duration.ofMinutes(10)));
        settings.endpoint().ifPresent(clientBuilder::endpointOverride);
        this.s3 = clientBuilder.build();
        var presignerBuilder = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.forcePathStyle()).build());
        settings.endpoint().ifPresent(presignerBuilder::endpointOverride);
        this.presigner = presignerBuilder.build();
        LOG.info("s3 storage: " + settings);
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.accessKey().isPresent()) {
            String ak = settings.accessKey().get();
            String sk = settings.secretKey().orElseThrow();
            return StaticCredentialsProvider.create(settings.sessionToken().isPresent()
                    ? AwsSessionCredentials.create(ak, sk, settings.sessionToken().get())
                    : AwsBasicCredentials.create(ak, sk));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    public S3Settings settings() {
        return settings;
    }

    /** The client, for what keeps its own objects in the bucket beside the registry's (the notification outbox). */
    public S3Client client() {
        return s3;
    }

    // ---- keys ---------------------------------------------------------------------------------------------------

    private String blobKey(Digest d) {
        return v2 + "blobs/" + d.algorithm().id() + "/" + d.hex().substring(0, 2) + "/" + d.hex() + "/data";
    }

    private String repoPrefix(RepositoryName name) {
        return v2 + "repositories/" + name.value() + "/";
    }

    private String layerLink(RepositoryName name, Digest d) {
        return repoPrefix(name) + "_layers/" + d.algorithm().id() + "/" + d.hex() + "/link";
    }

    private String revisionPrefix(RepositoryName name, Digest d) {
        return repoPrefix(name) + "_manifests/revisions/" + d.algorithm().id() + "/" + d.hex() + "/";
    }

    private String tagsPrefix(RepositoryName name) {
        return repoPrefix(name) + "_manifests/tags/";
    }

    private String tagPrefix(RepositoryName name, String tag) {
        return tagsPrefix(name) + Tag.require(tag) + "/";
    }

    private String referrersPrefix(RepositoryName name, Digest subject) {
        return repoPrefix(name) + "_referrers/" + subject.algorithm().id() + "/" + subject.hex() + "/";
    }

    private String uploadPrefix(RepositoryName name, String id) {
        if (id == null || !UPLOAD_ID.matcher(id).matches()) {
            throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception("unknown upload id");
        }
        return repoPrefix(name) + "_uploads/" + id + "/";
    }

    private static String stateKey(String uploadPrefix) {
        return uploadPrefix + "portcullis-state.json";
    }

    private static String tailKey(String uploadPrefix, UploadRecord rec) {
        return uploadPrefix + (rec.tailName() != null ? rec.tailName() : "tail-" + rec.generation());
    }

    private static String dataKey(String uploadPrefix) {
        return uploadPrefix + "data";
    }

    // ---- S3 primitives -------------------------------------------------------------------------------------------

    /** Runs an S3 call; unreachable or failing storage becomes a 503 the client may retry. */
    private <T> T call(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (S3Exception e) {
            if (e.statusCode() >= 500 || e.statusCode() == 429) {
                throw unavailable(what, e);
            }
            throw e;
        } catch (SdkClientException e) {
            throw unavailable(what, e);
        }
    }

    private static RegistryException unavailable(String what, SdkException e) {
        LOG.warning("s3 " + what + " failed: " + e.getMessage());
        return ErrorCode.UNAVAILABLE.exception("storage backend unavailable, retry later").withHeader("Retry-After", "5");
    }

    private static boolean notFound(S3Exception e) {
        return e.statusCode() == 404;
    }

    private Optional<byte[]> get(String key) {
        try {
            ResponseBytes<GetObjectResponse> r = call("get " + key, () -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)));
            return Optional.of(r.asByteArray());
        } catch (S3Exception e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw unexpected("get", key, e);
        }
    }

    /** A read of a key other evidence says exists: retried briefly, for stores without read-after-write consistency. */
    private Optional<byte[]> getExpected(String key) {
        for (int attempt = 0; ; attempt++) {
            Optional<byte[]> r = get(key);
            if (r.isPresent() || attempt >= READ_RETRIES) {
                return r;
            }
            pause(READ_RETRY_MILLIS * (attempt + 1));
        }
    }

    private Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(call("head " + key, () -> s3.headObject(b -> b.bucket(bucket).key(key))));
        } catch (S3Exception e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw unexpected("head", key, e);
        }
    }

    private Optional<HeadObjectResponse> headExpected(String key) {
        for (int attempt = 0; ; attempt++) {
            Optional<HeadObjectResponse> r = head(key);
            if (r.isPresent() || attempt >= READ_RETRIES) {
                return r;
            }
            pause(READ_RETRY_MILLIS * (attempt + 1));
        }
    }

    private PutObjectRequest.Builder putRequest(String key) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(key);
        settings.storageClass().ifPresent(b::storageClass);
        settings.objectAcl().ifPresent(acl -> b.acl(ObjectCannedACL.fromValue(acl)));
        if (settings.encrypt()) {
            if (settings.keyId().isPresent()) {
                b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(settings.keyId().get());
            } else {
                b.serverSideEncryption(ServerSideEncryption.AES256);
            }
        }
        return b;
    }

    private PutObjectResponse put(String key, byte[] content, String contentType) {
        return call("put " + key, () -> s3.putObject(putRequest(key).contentType(contentType).build(),
                RequestBody.fromBytes(content)));
    }

    private PutObjectResponse put(String key, byte[] content, int length) {
        return call("put " + key, () -> s3.putObject(putRequest(key).contentType("application/octet-stream").build(),
                RequestBody.fromInputStream(new java.io.ByteArrayInputStream(content, 0, length), length)));
    }

    private void delete(String key) {
        try {
            call("delete " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        } catch (S3Exception e) {
            if (!notFound(e)) {
                throw unexpected("delete", key, e);
            }
        }
    }

    /** Every key under {@code prefix} (no delimiter), with size and time. */
    private List<S3Object> listAll(String prefix) {
        List<S3Object> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response r = call("list " + prefix, () -> s3.listObjectsV2(ListObjectsV2Request.builder()
                    .bucket(bucket).prefix(prefix).continuationToken(t).build()));
            for (S3Object o : r.contents()) {
                // "Folder" markers (keys ending in /) that consoles and some stores list are no objects of ours.
                if (!o.key().endsWith("/")) {
                    out.add(o);
                }
            }
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    /** The "folders" directly under {@code prefix}, as names without the prefix or the trailing slash. */
    private List<String> listFolders(String prefix) {
        List<String> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response r = call("list " + prefix, () -> s3.listObjectsV2(ListObjectsV2Request.builder()
                    .bucket(bucket).prefix(prefix).delimiter("/").continuationToken(t).build()));
            for (CommonPrefix cp : r.commonPrefixes()) {
                String p = cp.prefix();
                out.add(p.substring(prefix.length(), p.length() - 1));
            }
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    private boolean anyUnder(String prefix) {
        ListObjectsV2Response r = call("list " + prefix, () -> s3.listObjectsV2(b -> b.bucket(bucket).prefix(prefix).maxKeys(1)));
        return !r.contents().isEmpty();
    }

    private void deleteUnder(String prefix) {
        // Objects a concurrent writer adds after the listing survive; for the prefixes deleted here (a tag, a
        // revision, a finished upload) nobody writes after the delete decision.
        for (S3Object o : listAll(prefix)) {
            delete(o.key());
        }
    }

    /** An answer of S3 we have no meaning for (access denied, a bad request): our failure, a 500. */
    private static java.io.UncheckedIOException unexpected(String op, String key, S3Exception e) {
        return new java.io.UncheckedIOException(new IOException("s3 " + op + " " + key + ": " + e.statusCode() + " "
                + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorCode()), e));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ErrorCode.UNAVAILABLE.exception("interrupted");
        }
    }

    // ---- links ---------------------------------------------------------------------------------------------------

    private Optional<Digest> readLink(String key) {
        return get(key).flatMap(S3Storage::parseLink);
    }

    private static Optional<Digest> parseLink(byte[] bytes) {
        try {
            return Optional.of(Digest.parse(new String(bytes, StandardCharsets.UTF_8).trim()));
        } catch (RegistryException corrupt) {
            return Optional.empty();
        }
    }

    private void writeLink(String key, Digest d) {
        put(key, d.toString().getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    /** {@code .../sha256/<hex>/link} → the digest; empty for anything else. */
    private static Optional<Digest> digestFromLinkKey(String key) {
        String[] parts = key.split("/");
        if (parts.length < 3 || !parts[parts.length - 1].equals("link")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Digest.parse(parts[parts.length - 3] + ":" + parts[parts.length - 2]));
        } catch (RegistryException e) {
            return Optional.empty();
        }
    }

    // ---- blobs ---------------------------------------------------------------------------------------------------

    @Override
    public Optional<Long> blobSize(RepositoryName repo, Digest digest) throws IOException {
        if (!digest.equals(readLink(layerLink(repo, digest)).orElse(null))) {
            return Optional.empty();
        }
        // The link is written after the content, so the content exists: a miss is a lagging store.
        return headExpected(blobKey(digest)).map(HeadObjectResponse::contentLength);
    }

    @Override
    public Optional<Path> blobFile(Digest digest) {
        return Optional.empty();
    }

    @Override
    public InputStream openBlob(Digest digest, long offset) throws IOException {
        String key = blobKey(digest);
        for (int attempt = 0; ; attempt++) {
            try {
                ResponseInputStream<GetObjectResponse> in = call("get " + key, () -> s3.getObject(b -> {
                    b.bucket(bucket).key(key);
                    if (offset > 0) {
                        b.range("bytes=" + offset + "-");
                    }
                }));
                return in;
            } catch (S3Exception e) {
                if (!notFound(e)) {
                    throw unexpected("get", key, e);
                }
                if (attempt >= READ_RETRIES) {
                    throw new java.nio.file.NoSuchFileException(key);
                }
                pause(READ_RETRY_MILLIS * (attempt + 1));
            }
        }
    }

    @Override
    public Optional<URI> blobRedirect(Digest digest, Duration validity) {
        if (settings.redirectDisabled()) {
            return Optional.empty();
        }
        String key = blobKey(digest);
        return Optional.of(URI.create(presigner.presignGetObject(p -> p.signatureDuration(validity)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString()));
    }

    @Override
    public boolean mountBlob(RepositoryName from, RepositoryName to, Digest digest) throws IOException {
        if (blobSize(from, digest).isEmpty()) {
            return false;
        }
        writeLink(layerLink(to, digest), digest);
        return true;
    }

    @Override
    public boolean unlinkBlob(RepositoryName repo, Digest digest) throws IOException {
        String link = layerLink(repo, digest);
        if (head(link).isEmpty()) {
            return false;
        }
        delete(link);
        return true;
    }

    // ---- uploads -------------------------------------------------------------------------------------------------

    @Override
    public UploadState startUpload(RepositoryName repo) {
        String id = UUID.randomUUID().toString();
        String prefix = uploadPrefix(repo, id);
        UploadRecord rec = UploadRecord.fresh(id, Instant.now());
        // Distribution's marker, so its upload purging and ours both see when the session began.
        put(prefix + "startedat", rec.startedAt().toString().getBytes(StandardCharsets.UTF_8), "text/plain");
        put(stateKey(prefix), rec.toJson(), "application/json");
        return new UploadState(id, 0, rec.startedAt());
    }

    private Optional<UploadRecord> readUpload(String prefix, boolean expected) throws IOException {
        Optional<byte[]> bytes = expected ? getExpected(stateKey(prefix)) : get(stateKey(prefix));
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(UploadRecord.fromJson(bytes.get()));
    }

    @Override
    public Optional<UploadState> upload(RepositoryName repo, String uploadId) throws IOException {
        String prefix = uploadPrefix(repo, uploadId);
        return readUpload(prefix, true).map(r -> new UploadState(uploadId, r.offset(), r.startedAt()));
    }

    private Object lockFor(String prefix) {
        return uploadLocks.computeIfAbsent(prefix, k -> new Object());
    }

    @Override
    public UploadState appendToUpload(RepositoryName repo, String uploadId, long expectedOffset, long expectedLength,
                                      InputStream data) throws IOException {
        String prefix = uploadPrefix(repo, uploadId);
        synchronized (lockFor(prefix)) {
            UploadRecord rec = readUpload(prefix, true).orElseThrow(ErrorCode.BLOB_UPLOAD_UNKNOWN::exception);
            if (expectedOffset >= 0 && expectedOffset != rec.offset()) {
                throw ErrorCode.BLOB_UPLOAD_INVALID.exception("chunk starts at " + expectedOffset
                        + " but the upload holds " + rec.offset() + " bytes").withStatus(416);
            }
            SHA256Digest sha = rec.sha256State() == null ? new SHA256Digest() : new SHA256Digest(rec.sha256State());
            int partSize = (int) Math.min(settings.chunkSize(), Integer.MAX_VALUE - 64);
            // The one buffer of this upload: at most one part in memory, whatever the blob's size.
            byte[] buf = new byte[partSize];
            int fill = 0;
            if (rec.tailSize() > 0) {
                byte[] tail = getExpected(tailKey(prefix, rec))
                        .orElseThrow(() -> new IOException("upload " + uploadId + " lost its buffered tail"));
                if (tail.length != rec.tailSize()) {
                    throw new IOException("upload " + uploadId + " tail holds " + tail.length + " bytes, state says "
                            + rec.tailSize());
                }
                System.arraycopy(tail, 0, buf, 0, tail.length);
                fill = tail.length;
            }
            String multipartId = rec.multipartId();
            boolean createdHere = false;
            List<UploadRecord.Part> parts = new ArrayList<>(rec.parts());
            long written = 0;
            try {
                for (int n; (n = data.read(buf, fill, partSize - fill)) >= 0; ) {
                    if (n == 0) {
                        continue;
                    }
                    sha.update(buf, fill, n);
                    fill += n;
                    written += n;
                    if (fill == partSize) {
                        if (multipartId == null) {
                            multipartId = createMultipart(dataKey(prefix));
                            createdHere = true;
                        }
                        parts.add(uploadPart(prefix, multipartId, parts.size() + 1, buf, fill));
                        fill = 0;
                    }
                }
                if (expectedLength >= 0 && written != expectedLength) {
                    throw ErrorCode.SIZE_INVALID.exception("chunk declared " + expectedLength + " bytes but carried "
                            + written);
                }
                if (written == 0) {
                    return new UploadState(uploadId, rec.offset(), rec.startedAt());
                }
                long generation = rec.generation() + 1;
                String tailName = fill > 0 ? "tail-" + generation + "-" + UUID.randomUUID().toString().substring(0, 8) : null;
                if (fill > 0) {
                    put(prefix + tailName, buf, fill);
                }
                UploadRecord next = new UploadRecord(uploadId, rec.startedAt(), rec.offset() + written, multipartId,
                        List.copyOf(parts), fill, generation, tailName, sha.getEncodedState());
                // The state is the commit point of the chunk: until it is written, the upload is as it was.
                put(stateKey(prefix), next.toJson(), "application/json");
                if (rec.tailSize() > 0) {
                    delete(tailKey(prefix, rec));
                }
                return new UploadState(uploadId, next.offset(), next.startedAt());
            } catch (IOException | RuntimeException e) {
                // Parts uploaded past the recorded ones are overwritten by the next attempt; a multipart upload
                // this chunk began and nobody recorded is aborted.
                if (createdHere) {
                    abortQuietly(dataKey(prefix), multipartId);
                }
                throw e;
            }
        }
    }

    private String createMultipart(String key) {
        CreateMultipartUploadRequest.Builder b = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .contentType("application/octet-stream");
        settings.storageClass().ifPresent(b::storageClass);
        settings.objectAcl().ifPresent(acl -> b.acl(ObjectCannedACL.fromValue(acl)));
        if (settings.encrypt()) {
            if (settings.keyId().isPresent()) {
                b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(settings.keyId().get());
            } else {
                b.serverSideEncryption(ServerSideEncryption.AES256);
            }
        }
        return call("create multipart " + key, () -> s3.createMultipartUpload(b.build())).uploadId();
    }

    private UploadRecord.Part uploadPart(String prefix, String multipartId, int number, byte[] buf, int length) {
        String key = dataKey(prefix);
        String etag = call("upload part " + key, () -> s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(multipartId)
                .partNumber(number).contentLength((long) length),
                RequestBody.fromInputStream(new java.io.ByteArrayInputStream(buf, 0, length), length))).eTag();
        return new UploadRecord.Part(number, etag, length);
    }

    private void abortQuietly(String key, String multipartId) {
        if (multipartId == null) {
            return;
        }
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(multipartId));
        } catch (SdkException e) {
            LOG.fine("aborting multipart upload of " + key + ": " + e.getMessage());
        }
    }

    @Override
    public long commitUpload(RepositoryName repo, String uploadId, Digest expected) throws IOException {
        String prefix = uploadPrefix(repo, uploadId);
        synchronized (lockFor(prefix)) {
            UploadRecord rec = readUpload(prefix, true).orElseThrow(ErrorCode.BLOB_UPLOAD_UNKNOWN::exception);
            long size = rec.offset();
            if (expected.algorithm() == Digest.Algorithm.SHA256) {
                SHA256Digest sha = rec.sha256State() == null ? new SHA256Digest() : new SHA256Digest(rec.sha256State());
                byte[] out = new byte[32];
                sha.doFinal(out, 0);
                Digest actual = new Digest(Digest.Algorithm.SHA256, HexFormat.of().formatHex(out));
                if (!actual.equals(expected)) {
                    throw ErrorCode.DIGEST_INVALID.exception("content digest is " + actual);
                }
            }
            String blobKey = blobKey(expected);
            byte[] tail = rec.tailSize() == 0 ? new byte[0] : getExpected(tailKey(prefix, rec))
                    .orElseThrow(() -> new IOException("upload " + uploadId + " lost its buffered tail"));
            boolean present = head(blobKey).map(h -> h.contentLength() == size).orElse(false);
            if (present) {
                if (expected.algorithm() != Digest.Algorithm.SHA256) {
                    verifyByReading(prefix, rec, tail, expected);
                }
                abortQuietly(dataKey(prefix), rec.multipartId());
            } else if (rec.parts().isEmpty()) {
                if (expected.algorithm() != Digest.Algorithm.SHA256) {
                    Digest actual = Digest.of(expected.algorithm(), tail);
                    if (!actual.equals(expected)) {
                        throw ErrorCode.DIGEST_INVALID.exception("content digest is " + actual);
                    }
                }
                put(blobKey, tail, tail.length);
            } else {
                completeMultipart(prefix, rec, tail);
                if (expected.algorithm() != Digest.Algorithm.SHA256) {
                    verifyCompleted(prefix, expected);
                }
                copy(dataKey(prefix), blobKey, size);
                delete(dataKey(prefix));
            }
            writeLink(layerLink(repo, expected), expected);
            removeUpload(prefix, rec);
            uploadLocks.remove(prefix);
            return size;
        }
    }

    private void completeMultipart(String prefix, UploadRecord rec, byte[] tail) throws IOException {
        String key = dataKey(prefix);
        List<UploadRecord.Part> parts = new ArrayList<>(rec.parts());
        if (tail.length > 0) {
            parts.add(uploadPart(prefix, rec.multipartId(), parts.size() + 1, tail, tail.length));
        }
        List<CompletedPart> completed = parts.stream()
                .map(p -> CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build()).toList();
        try {
            call("complete multipart " + key, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key)
                    .uploadId(rec.multipartId()).multipartUpload(m -> m.parts(completed))));
        } catch (S3Exception e) {
            // A commit retried after a failure past this point: the multipart upload is already complete.
            boolean done = e.statusCode() == 404 && head(key).map(h -> h.contentLength() == rec.offset()).orElse(false);
            if (!done) {
                throw unexpected("complete multipart", key, e);
            }
        }
    }

    private void verifyCompleted(String prefix, Digest expected) throws IOException {
        MessageDigest md = expected.algorithm().newMessageDigest();
        try (InputStream in = call("get", () -> s3.getObject(b -> b.bucket(bucket).key(dataKey(prefix))))) {
            byte[] buf = new byte[256 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        Digest actual = Digest.fromMessageDigest(expected.algorithm(), md);
        if (!actual.equals(expected)) {
            delete(dataKey(prefix));
            deleteUnder(prefix);
            throw ErrorCode.DIGEST_INVALID.exception("content digest is " + actual);
        }
    }

    private void verifyByReading(String prefix, UploadRecord rec, byte[] tail, Digest expected) throws IOException {
        if (rec.parts().isEmpty()) {
            Digest actual = Digest.of(expected.algorithm(), tail);
            if (!actual.equals(expected)) {
                throw ErrorCode.DIGEST_INVALID.exception("content digest is " + actual);
            }
            return;
        }
        completeMultipart(prefix, rec, tail);
        verifyCompleted(prefix, expected);
        delete(dataKey(prefix));
    }

    /** Server-side copy: one request up to the threshold, a multipart copy above it. */
    private void copy(String from, String to, long size) {
        if (size <= settings.multipartCopyThresholdSize() && size <= SINGLE_COPY_LIMIT) {
            CopyObjectRequest.Builder b = CopyObjectRequest.builder().sourceBucket(bucket).sourceKey(from)
                    .destinationBucket(bucket).destinationKey(to).contentType("application/octet-stream");
            settings.storageClass().ifPresent(b::storageClass);
            settings.objectAcl().ifPresent(acl -> b.acl(ObjectCannedACL.fromValue(acl)));
            if (settings.encrypt()) {
                b.serverSideEncryption(settings.keyId().isPresent() ? ServerSideEncryption.AWS_KMS : ServerSideEncryption.AES256);
                settings.keyId().ifPresent(b::ssekmsKeyId);
            }
            call("copy " + from, () -> s3.copyObject(b.build()));
            return;
        }
        String id = createMultipart(to);
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long chunk = settings.multipartCopyChunkSize();
            int number = 1;
            for (long start = 0; start < size; start += chunk, number++) {
                long end = Math.min(size, start + chunk) - 1;
                int n = number;
                String range = "bytes=" + start + "-" + end;
                String etag = call("copy part " + from, () -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(from)
                        .destinationBucket(bucket).destinationKey(to).uploadId(id).partNumber(n).copySourceRange(range)))
                        .copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
            }
            call("complete copy " + to, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(to).uploadId(id)
                    .multipartUpload(m -> m.parts(parts))));
        } catch (RuntimeException e) {
            abortQuietly(to, id);
            throw e;
        }
    }

    @Override
    public boolean cancelUpload(RepositoryName repo, String uploadId) throws IOException {
        String prefix = uploadPrefix(repo, uploadId);
        synchronized (lockFor(prefix)) {
            Optional<UploadRecord> rec = readUpload(prefix, false);
            if (rec.isEmpty()) {
                return false;
            }
            abortQuietly(dataKey(prefix), rec.get().multipartId());
            removeUpload(prefix, rec.get());
            uploadLocks.remove(prefix);
            return true;
        }
    }

    /**
     * Deletes an upload's objects by name, the state first (from then on the session is unknown to every replica),
     * so it does not depend on a listing seeing them; a listing then sweeps whatever an interrupted chunk left.
     */
    private void removeUpload(String prefix, UploadRecord rec) {
        delete(stateKey(prefix));
        if (rec.tailSize() > 0) {
            delete(tailKey(prefix, rec));
        }
        delete(prefix + "startedat");
        deleteUnder(prefix);
    }

    // ---- manifests -----------------------------------------------------------------------------------------------

    @Override
    public Optional<StoredManifest> manifest(RepositoryName repo, Digest digest) throws IOException {
        String rev = revisionPrefix(repo, digest);
        if (!digest.equals(readLink(rev + "link").orElse(null))) {
            return Optional.empty();
        }
        Optional<byte[]> content = getExpected(blobKey(digest));
        if (content.isEmpty()) {
            return Optional.empty();
        }
        String mediaType = get(rev + "mediatype").map(b -> new String(b, StandardCharsets.UTF_8).trim())
                .orElseGet(() -> StoredManifest.declaredMediaType(content.get()));
        return Optional.of(new StoredManifest(digest, mediaType, content.get()));
    }

    @Override
    public Optional<Digest> resolveTag(RepositoryName repo, String tag) {
        if (!Tag.isValid(tag)) {
            return Optional.empty();
        }
        return readLink(tagPrefix(repo, tag) + "current/link");
    }

    @Override
    public void putManifest(RepositoryName repo, StoredManifest manifest, List<String> tags, Optional<Digest> subject) {
        Digest digest = manifest.digest();
        String data = blobKey(digest);
        if (head(data).isEmpty()) {
            put(data, manifest.content(), manifest.mediaType());
        }
        String rev = revisionPrefix(repo, digest);
        put(rev + "mediatype", manifest.mediaType().getBytes(StandardCharsets.UTF_8), "text/plain");
        writeLink(rev + "link", digest);
        if (subject.isPresent()) {
            writeLink(referrersPrefix(repo, subject.get()) + digest.algorithm().id() + "/" + digest.hex() + "/link", digest);
        }
        for (String tag : tags) {
            String t = tagPrefix(repo, tag);
            writeLink(t + "index/" + digest.algorithm().id() + "/" + digest.hex() + "/link", digest);
            writeLink(t + "current/link", digest);
        }
    }

    @Override
    public boolean deleteManifest(RepositoryName repo, Digest digest, Optional<Digest> subject) throws IOException {
        String rev = revisionPrefix(repo, digest);
        if (head(rev + "link").isEmpty()) {
            return false;
        }
        for (String tag : tags(repo).orElse(List.of())) {
            if (digest.equals(resolveTag(repo, tag).orElse(null))) {
                deleteTagObjects(repo, tag);
            }
        }
        if (subject.isPresent()) {
            deleteUnder(referrersPrefix(repo, subject.get()) + digest.algorithm().id() + "/" + digest.hex() + "/");
        }
        // The link first: from then on the revision is gone, whatever else remains.
        delete(rev + "link");
        deleteUnder(rev);
        return true;
    }

    private void deleteTagObjects(RepositoryName repo, String tag) {
        String t = tagPrefix(repo, tag);
        delete(t + "current/link");
        deleteUnder(t);
    }

    @Override
    public boolean deleteTag(RepositoryName repo, String tag) {
        String t = tagPrefix(repo, tag);
        if (head(t + "current/link").isEmpty()) {
            return false;
        }
        deleteTagObjects(repo, tag);
        return true;
    }

    @Override
    public Optional<List<String>> tags(RepositoryName repo) {
        if (!repositoryExists(repo)) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (String tag : listFolders(tagsPrefix(repo))) {
            if (Tag.isValid(tag)) {
                out.add(tag);
            }
        }
        Collections.sort(out);
        return Optional.of(out);
    }

    @Override
    public List<String> repositories() {
        TreeSet<String> out = new TreeSet<>();
        collectRepositories(v2 + "repositories/", "", out, 0, Set.of("_manifests", "_layers"));
        return new ArrayList<>(out);
    }

    /** Walks the repository folders, collecting each name that holds one of {@code markers}. */
    private void collectRepositories(String prefix, String name, TreeSet<String> out, int depth, Set<String> markers) {
        if (depth > 64) {
            return;
        }
        for (String child : listFolders(prefix)) {
            if (markers.contains(child)) {
                if (RepositoryName.isValid(name)) {
                    out.add(name);
                }
            } else if (!child.startsWith("_")) {
                collectRepositories(prefix + child + "/", name.isEmpty() ? child : name + "/" + child, out, depth + 1,
                        markers);
            }
        }
    }

    @Override
    public boolean repositoryExists(RepositoryName repo) {
        String p = repoPrefix(repo);
        return anyUnder(p + "_manifests/") || anyUnder(p + "_layers/");
    }

    @Override
    public List<Digest> referrers(RepositoryName repo, Digest subject) {
        List<Digest> out = new ArrayList<>();
        for (S3Object o : listAll(referrersPrefix(repo, subject))) {
            digestFromLinkKey(o.key()).ifPresent(out::add);
        }
        Collections.sort(out);
        return out;
    }

    // ---- enumeration ---------------------------------------------------------------------------------------------

    @Override
    public List<BlobRecord> allBlobs() {
        List<BlobRecord> out = new ArrayList<>();
        for (Digest.Algorithm algorithm : Digest.Algorithm.values()) {
            String prefix = v2 + "blobs/" + algorithm.id() + "/";
            for (S3Object o : listAll(prefix)) {
                String[] parts = o.key().substring(prefix.length()).split("/");
                if (parts.length == 3 && parts[2].equals("data")) {
                    try {
                        out.add(new BlobRecord(new Digest(algorithm, parts[1]), o.size(), o.lastModified()));
                    } catch (RegistryException notABlob) {
                        // Not a blob folder: nothing to report.
                    }
                }
            }
        }
        return out;
    }

    @Override
    public boolean deleteBlobContent(Digest digest) {
        String key = blobKey(digest);
        if (head(key).isEmpty()) {
            return false;
        }
        delete(key);
        return true;
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repo) {
        List<Digest> out = new ArrayList<>();
        for (S3Object o : listAll(repoPrefix(repo) + "_manifests/revisions/")) {
            digestFromLinkKey(o.key()).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public List<LinkRecord> manifestRevisionLinks(RepositoryName repo) {
        List<LinkRecord> out = new ArrayList<>();
        for (S3Object o : listAll(repoPrefix(repo) + "_manifests/revisions/")) {
            digestFromLinkKey(o.key()).ifPresent(d -> out.add(new LinkRecord(d, o.lastModified())));
        }
        return out;
    }

    /**
     * S3 has no settable modification time: the link is written again with the same content, which moves its
     * LastModified to now. A link absent (or removed meanwhile) is not created, so a deletion stays a deletion.
     */
    @Override
    public boolean touchLinks(RepositoryName repo, Digest digest) {
        boolean touched = false;
        for (String key : List.of(layerLink(repo, digest), revisionPrefix(repo, digest) + "link")) {
            if (head(key).isPresent()) {
                writeLink(key, digest);
                touched = true;
            }
        }
        return touched;
    }

    @Override
    public List<String> repositoriesWithUploads() {
        TreeSet<String> out = new TreeSet<>();
        collectRepositories(v2 + "repositories/", "", out, 0, Set.of("_uploads"));
        return new ArrayList<>(out);
    }

    @Override
    public List<LinkRecord> blobLinks(RepositoryName repo) {
        List<LinkRecord> out = new ArrayList<>();
        for (S3Object o : listAll(repoPrefix(repo) + "_layers/")) {
            digestFromLinkKey(o.key()).ifPresent(d -> out.add(new LinkRecord(d, o.lastModified())));
        }
        return out;
    }

    @Override
    public List<UploadState> uploads(RepositoryName repo) throws IOException {
        List<UploadState> out = new ArrayList<>();
        for (String id : listFolders(repoPrefix(repo) + "_uploads/")) {
            if (UPLOAD_ID.matcher(id).matches()) {
                readUpload(uploadPrefix(repo, id), false)
                        .ifPresent(r -> out.add(new UploadState(id, r.offset(), r.startedAt())));
            }
        }
        return out;
    }

    // ---- health and locks ----------------------------------------------------------------------------------------

    @Override
    public void healthCheck() throws IOException {
        try {
            s3.listObjectsV2(b -> b.bucket(bucket).prefix(v2).maxKeys(1));
        } catch (SdkException e) {
            throw new IOException("s3 bucket " + bucket + " unreachable: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<StorageLock> tryLock(String name, Duration ttl) throws IOException {
        if (!name.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("lock name " + name);
        }
        return S3Lease.tryAcquire(s3, bucket, v2 + "_locks/" + name, ttl);
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }
}
