package dev.portcullis.registry.storage.s3;

import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A lease object in the bucket: {@code "<owner> <expiry>"}. Taken with a conditional write (create: {@code If-None-Match:
 * *}; take over an expired lease: {@code If-Match: <its ETag>}), so of two replicas racing, S3 lets exactly one win;
 * then read back after a short pause, which also protects on stores that ignore the conditions (the later writer wins
 * there and the earlier one sees someone else's owner). Renewal is conditional on the ETag we wrote.
 */
final class S3Lease implements StorageLock {
    /** Time for a competing unconditional write to land before we read back who holds the lease. */
    private static final long SETTLE_MILLIS = 150;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String owner;
    private final Duration ttl;
    private String etag;

    private S3Lease(S3Client s3, String bucket, String key, String owner, Duration ttl, String etag) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.owner = owner;
        this.ttl = ttl;
        this.etag = etag;
    }

    private record Current(String owner, Instant expiry, String etag) {
        boolean expired() {
            return Instant.now().isAfter(expiry);
        }
    }

    static Optional<StorageLock> tryAcquire(S3Client s3, String bucket, String key, Duration ttl) throws IOException {
        String owner = UUID.randomUUID().toString();
        try {
            Optional<Current> current = read(s3, bucket, key);
            if (current.isPresent() && !current.get().expired()) {
                return Optional.empty();
            }
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key).contentType("text/plain");
            if (current.isPresent()) {
                put.ifMatch(current.get().etag());
            } else {
                put.ifNoneMatch("*");
            }
            try {
                s3.putObject(put.build(), RequestBody.fromString(body(owner, ttl), StandardCharsets.UTF_8));
            } catch (S3Exception e) {
                if (e.statusCode() == 412 || e.statusCode() == 409) {
                    return Optional.empty();
                }
                throw e;
            }
            Thread.sleep(SETTLE_MILLIS);
            Optional<Current> after = read(s3, bucket, key);
            if (after.isEmpty() || !after.get().owner().equals(owner)) {
                return Optional.empty();
            }
            return Optional.of(new S3Lease(s3, bucket, key, owner, ttl, after.get().etag()));
        } catch (SdkException e) {
            throw new IOException("lease " + key + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while taking lease " + key, e);
        }
    }

    private static String body(String owner, Duration ttl) {
        return owner + " " + Instant.now().plus(ttl);
    }

    private static Optional<Current> read(S3Client s3, String bucket, String key) {
        try {
            ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
            String[] parts = r.asUtf8String().trim().split(" ");
            Instant expiry;
            try {
                expiry = parts.length == 2 ? Instant.parse(parts[1]) : Instant.EPOCH;
            } catch (RuntimeException e) {
                expiry = Instant.EPOCH;
            }
            return Optional.of(new Current(parts[0], expiry, r.response().eTag()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public synchronized boolean renew() throws IOException {
        try {
            Optional<Current> current = read(s3, bucket, key);
            if (current.isEmpty() || !current.get().owner().equals(owner)) {
                return false;
            }
            try {
                etag = s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("text/plain")
                        .ifMatch(current.get().etag()).build(), RequestBody.fromString(body(owner, ttl))).eTag();
            } catch (S3Exception e) {
                if (e.statusCode() == 412 || e.statusCode() == 409) {
                    return false;
                }
                throw e;
            }
            return true;
        } catch (SdkException e) {
            throw new IOException("renewing lease " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            Optional<Current> current = read(s3, bucket, key);
            if (current.isPresent() && current.get().owner().equals(owner)) {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            }
        } catch (SdkException e) {
            throw new IOException("releasing lease " + key + ": " + e.getMessage(), e);
        }
    }

    String etag() {
        return etag;
    }
}
