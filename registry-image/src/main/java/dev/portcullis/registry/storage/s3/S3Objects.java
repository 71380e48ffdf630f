package dev.portcullis.registry.storage.s3;

import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RegistryException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The bucket's objects as the S3 driver uses them: one S3 client configured from {@link S3Settings} (credentials,
 * endpoint, storage class, ACL, server-side encryption applied to every object written), and each request it makes,
 * with S3's answers turned into ours: a missing key is empty, an unreachable or throttling store is a 503 the client
 * may retry ({@code UNAVAILABLE}), anything else an {@link IOException} naming the request and S3's error code.
 */
final class S3Objects implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(S3Objects.class.getName());
    private static final long SINGLE_COPY_LIMIT = 5L * 1024 * 1024 * 1024;

    private final S3Settings settings;
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    S3Objects(S3Settings settings) {
        this.settings = settings;
        this.bucket = settings.bucket();
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

    S3Client client() {
        return s3;
    }

    String bucket() {
        return bucket;
    }

    S3Settings settings() {
        return settings;
    }

    @FunctionalInterface
    interface Request<T> {
        T send();
    }

    /** Runs one request; unreachable or failing storage becomes a 503 the client may retry. */
    <T> T call(String what, Request<T> request) {
        try {
            return request.send();
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

    /** An answer of S3 we have no meaning for (access denied, a bad request): our failure. */
    static IOException unexpected(String what, S3Exception e) {
        return new IOException("s3 " + what + ": " + e.statusCode() + " "
                + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorCode()), e);
    }

    static boolean notFound(S3Exception e) {
        return e.statusCode() == 404;
    }

    /** 412 (a condition failed) or 409 (a conditional write raced another), as S3 answers either. */
    static boolean conflict(S3Exception e) {
        return e.statusCode() == 412 || e.statusCode() == 409;
    }

    Optional<ResponseBytes<GetObjectResponse>> get(String key) throws IOException {
        try {
            return Optional.of(call("get " + key, () -> s3.getObjectAsBytes(b -> b.bucket(bucket).key(key))));
        } catch (S3Exception e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw unexpected("get " + key, e);
        }
    }

    /** The object from {@code offset}; empty if absent. An offset at or past the end gives S3's 416, as empty bytes. */
    Optional<ResponseInputStream<GetObjectResponse>> stream(String key, long offset) throws IOException {
        try {
            return Optional.of(call("get " + key, () -> s3.getObject(b -> {
                b.bucket(bucket).key(key);
                if (offset > 0) {
                    b.range("bytes=" + offset + "-");
                }
            })));
        } catch (S3Exception e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            if (e.statusCode() == 416) {
                return Optional.of(new ResponseInputStream<>(GetObjectResponse.builder().contentLength(0L).build(),
                        new ByteArrayInputStream(new byte[0])));
            }
            throw unexpected("get " + key, e);
        }
    }

    Optional<HeadObjectResponse> head(String key) throws IOException {
        try {
            return Optional.of(call("head " + key, () -> s3.headObject(b -> b.bucket(bucket).key(key))));
        } catch (S3Exception e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw unexpected("head " + key, e);
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

    /**
     * Writes the object. {@code ifMatch}: only over the object of that ETag, {@code "*"} for "only if absent"
     * ({@code If-None-Match: *}); empty for unconditional. Returns the new ETag, or empty if the condition failed.
     */
    Optional<String> put(String key, byte[] content, int length, Map<String, String> metadata, Optional<String> ifMatch)
            throws IOException {
        PutObjectRequest.Builder b = putRequest(key).contentType("application/octet-stream").metadata(metadata);
        ifMatch.ifPresent(m -> {
            if (m.equals("*")) {
                b.ifNoneMatch("*");
            } else {
                b.ifMatch(m);
            }
        });
        try {
            return Optional.of(call("put " + key, () -> s3.putObject(b.build(),
                    RequestBody.fromInputStream(new ByteArrayInputStream(content, 0, length), length))).eTag());
        } catch (S3Exception e) {
            if (ifMatch.isPresent() && (conflict(e) || notFound(e))) {
                return Optional.empty();
            }
            throw unexpected("put " + key, e);
        } catch (RegistryException unavailable) {
            // A store may refuse a failed condition before reading the body and close the connection (s3proxy
            // does): the client sees a broken pipe, not the 412. What the key holds now tells which it was.
            if (ifMatch.isPresent() && conditionFails(key, ifMatch.get())) {
                return Optional.empty();
            }
            throw unavailable;
        }
    }

    private boolean conditionFails(String key, String ifMatch) throws IOException {
        Optional<HeadObjectResponse> now = head(key);
        return ifMatch.equals("*") ? now.isPresent() : now.isEmpty() || !ifMatch.equals(now.get().eTag());
    }

    void put(String key, byte[] content) throws IOException {
        put(key, content, content.length, Map.of(), Optional.empty());
    }

    void delete(String key) throws IOException {
        try {
            call("delete " + key, () -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
        } catch (S3Exception e) {
            if (!notFound(e)) {
                throw unexpected("delete " + key, e);
            }
        }
    }

    /** One page after another of the keys under {@code prefix}; with {@code delimiter}, only one level. */
    List<ListObjectsV2Response> list(String prefix, boolean delimiter, Integer maxKeys) throws IOException {
        List<ListObjectsV2Response> pages = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Request.Builder b = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                    .continuationToken(token);
            if (delimiter) {
                b.delimiter("/");
            }
            if (maxKeys != null) {
                b.maxKeys(maxKeys);
            }
            ListObjectsV2Response page;
            try {
                page = call("list " + prefix, () -> s3.listObjectsV2(b.build()));
            } catch (S3Exception e) {
                throw unexpected("list " + prefix, e);
            }
            pages.add(page);
            token = maxKeys == null && Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return pages;
    }

    /**
     * Sets the object's time to now by copying it onto itself; false if it is absent (nothing is created). The
     * metadata is kept: the copy names it again.
     */
    boolean touch(String key) throws IOException {
        CopyObjectRequest.Builder b = CopyObjectRequest.builder().sourceBucket(bucket).sourceKey(key)
                .destinationBucket(bucket).destinationKey(key).metadataDirective(MetadataDirective.REPLACE)
                .contentType("application/octet-stream");
        copySettings(b);
        try {
            call("touch " + key, () -> s3.copyObject(b.build()));
            return true;
        } catch (S3Exception e) {
            if (notFound(e)) {
                return false;
            }
            throw unexpected("touch " + key, e);
        }
    }

    private void copySettings(CopyObjectRequest.Builder b) {
        settings.storageClass().ifPresent(b::storageClass);
        settings.objectAcl().ifPresent(acl -> b.acl(ObjectCannedACL.fromValue(acl)));
        if (settings.encrypt()) {
            b.serverSideEncryption(settings.keyId().isPresent() ? ServerSideEncryption.AWS_KMS : ServerSideEncryption.AES256);
            settings.keyId().ifPresent(b::ssekmsKeyId);
        }
    }

    /** Server-side copy: one request up to the threshold, a multipart copy above it. */
    void copy(String from, String to, long size) throws IOException {
        try {
            if (size <= settings.multipartCopyThresholdSize() && size <= SINGLE_COPY_LIMIT) {
                CopyObjectRequest.Builder b = CopyObjectRequest.builder().sourceBucket(bucket).sourceKey(from)
                        .destinationBucket(bucket).destinationKey(to).contentType("application/octet-stream")
                        .metadataDirective(MetadataDirective.REPLACE);
                copySettings(b);
                call("copy " + from, () -> s3.copyObject(b.build()));
                return;
            }
            String id = createMultipart(to);
            try {
                List<CompletedPart> parts = new ArrayList<>();
                long chunk = settings.multipartCopyChunkSize();
                int number = 1;
                for (long start = 0; start < size; start += chunk, number++) {
                    parts.add(copyPart(from, to, id, number, start, Math.min(size, start + chunk) - 1));
                }
                complete(to, id, parts);
            } catch (IOException | RuntimeException e) {
                abortQuietly(to, id);
                throw e;
            }
        } catch (S3Exception e) {
            throw unexpected("copy " + from + " to " + to, e);
        }
    }

    String createMultipart(String key) throws IOException {
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
        try {
            return call("create multipart " + key, () -> s3.createMultipartUpload(b.build())).uploadId();
        } catch (S3Exception e) {
            throw unexpected("create multipart " + key, e);
        }
    }

    CompletedPart uploadPart(String key, String multipartId, int number, byte[] buf, int length) throws IOException {
        try {
            String etag = call("upload part " + key, () -> s3.uploadPart(b -> b.bucket(bucket).key(key)
                            .uploadId(multipartId).partNumber(number).contentLength((long) length),
                    RequestBody.fromInputStream(new ByteArrayInputStream(buf, 0, length), length))).eTag();
            return CompletedPart.builder().partNumber(number).eTag(etag).build();
        } catch (S3Exception e) {
            throw unexpected("upload part " + key, e);
        }
    }

    /** Bytes {@code first..last} (inclusive) of {@code from} as part {@code number} of {@code to}'s multipart upload. */
    CompletedPart copyPart(String from, String to, String multipartId, int number, long first, long last)
            throws IOException {
        try {
            String etag = call("copy part " + from, () -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(from)
                    .destinationBucket(bucket).destinationKey(to).uploadId(multipartId).partNumber(number)
                    .copySourceRange("bytes=" + first + "-" + last))).copyPartResult().eTag();
            return CompletedPart.builder().partNumber(number).eTag(etag).build();
        } catch (S3Exception e) {
            throw unexpected("copy part " + from, e);
        }
    }

    void complete(String key, String multipartId, List<CompletedPart> parts) throws IOException {
        try {
            call("complete multipart " + key, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key)
                    .uploadId(multipartId).multipartUpload(m -> m.parts(parts))));
        } catch (S3Exception e) {
            throw unexpected("complete multipart " + key, e);
        }
    }

    void abortQuietly(String key, String multipartId) {
        if (multipartId == null) {
            return;
        }
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(multipartId));
        } catch (SdkException e) {
            LOG.fine("aborting multipart upload of " + key + ": " + e.getMessage());
        }
    }

    URI presign(String key, Duration validity) {
        return URI.create(presigner.presignGetObject(p -> p.signatureDuration(validity)
                .getObjectRequest(g -> g.bucket(bucket).key(key))).url().toString());
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }
}
