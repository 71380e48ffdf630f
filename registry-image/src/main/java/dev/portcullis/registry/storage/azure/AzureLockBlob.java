package dev.portcullis.registry.storage.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobDownloadContentResponse;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A lock held as a small blob {@code "<owner> <expiry>"}, written conditionally: created with {@code If-None-Match: *},
 * taken over when expired with {@code If-Match: <its ETag>}, renewed and released with {@code If-Match} on the ETag we
 * wrote. Azure applies the conditions atomically, so of two replicas racing exactly one wins. (A blob lease would
 * cap the time to live at 60 seconds; the contract's holder chooses its own.)
 */
final class AzureLockBlob implements StorageLock {
    private final BlockBlobClient blob;
    private final String path;
    private final AzureFailures failures;
    private final String owner;
    private final Duration ttl;
    private String etag;

    private AzureLockBlob(BlockBlobClient blob, String path, AzureFailures failures, String owner, Duration ttl,
                          String etag) {
        this.blob = blob;
        this.path = path;
        this.failures = failures;
        this.owner = owner;
        this.ttl = ttl;
        this.etag = etag;
    }

    static Optional<StorageLock> tryAcquire(BlockBlobClient blob, String path, AzureFailures failures, Duration ttl)
            throws IOException {
        String owner = UUID.randomUUID().toString();
        try {
            // The common case, a free lock, costs one request.
            Optional<String> created = write(blob, owner, ttl, new BlobRequestConditions().setIfNoneMatch("*"));
            if (created.isPresent()) {
                return Optional.of(new AzureLockBlob(blob, path, failures, owner, ttl, created.get()));
            }
            BlobDownloadContentResponse current;
            try {
                current = blob.downloadContentWithResponse(null, null, null, Context.NONE);
            } catch (RuntimeException e) {
                if (AzureFailures.blobNotFound(e)) {
                    // Released between our two requests: someone else is about to take it, or we try again later.
                    return Optional.empty();
                }
                throw e;
            }
            if (!expired(current.getValue().toString())) {
                return Optional.empty();
            }
            return write(blob, owner, ttl, new BlobRequestConditions().setIfMatch(current.getDeserializedHeaders()
                    .getETag())).map(etag -> new AzureLockBlob(blob, path, failures, owner, ttl, etag));
        } catch (RuntimeException e) {
            throw failures.translate("taking the lock", path, e);
        }
    }

    /** Writes the lock if {@code conditions} hold; empty if they do not. */
    private static Optional<String> write(BlockBlobClient blob, String owner, Duration ttl,
                                          BlobRequestConditions conditions) {
        try {
            String body = owner + " " + Instant.now().plus(ttl);
            return Optional.of(blob.uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromString(body))
                    .setRequestConditions(conditions), null, Context.NONE).getValue().getETag());
        } catch (RuntimeException e) {
            if (AzureFailures.conditionFailed(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static boolean expired(String body) {
        String[] parts = body.trim().split(" ");
        try {
            return parts.length != 2 || Instant.now().isAfter(Instant.parse(parts[1]));
        } catch (RuntimeException unreadable) {
            return true;
        }
    }

    @Override
    public synchronized boolean renew() throws IOException {
        try {
            Optional<String> renewed = write(blob, owner, ttl, new BlobRequestConditions().setIfMatch(etag));
            renewed.ifPresent(e -> etag = e);
            return renewed.isPresent();
        } catch (RuntimeException e) {
            if (AzureFailures.blobNotFound(e)) {
                return false;
            }
            throw failures.translate("renewing the lock", path, e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            blob.deleteIfExistsWithResponse(null, new BlobRequestConditions().setIfMatch(etag), null, Context.NONE);
        } catch (RuntimeException e) {
            // Someone took it over after it expired: theirs now, not ours to delete.
            if (!AzureFailures.conditionFailed(e)) {
                throw failures.translate("releasing the lock", path, e);
            }
        }
    }
}
