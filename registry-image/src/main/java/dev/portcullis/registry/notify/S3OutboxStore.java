package dev.portcullis.registry.notify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An outbox under a key prefix of the registry's bucket, shared by every replica. A put is durable once S3 acknowledges
 * it; S3 lists keys in ascending UTF-8 order, which is the entries' order.
 */
public final class S3OutboxStore implements OutboxStore {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    /** @param prefix ends with {@code /} */
    public S3OutboxStore(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    @Override
    public void put(String name, byte[] content) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(prefix + name).contentType("application/json"),
                    RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new IOException("writing outbox entry " + prefix + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list() throws IOException {
        List<String> out = new ArrayList<>();
        try {
            for (var page : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build())) {
                for (S3Object o : page.contents()) {
                    String name = o.key().substring(prefix.length());
                    if (!name.isEmpty() && !name.contains("/")) {
                        out.add(name);
                    }
                }
            }
        } catch (SdkException e) {
            throw new IOException("listing outbox " + prefix + ": " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    @Override
    public Optional<byte[]> get(String name) throws IOException {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(prefix + name)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("reading outbox entry " + prefix + name + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("reading outbox entry " + prefix + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(prefix + name));
        } catch (SdkException e) {
            throw new IOException("deleting outbox entry " + prefix + name + ": " + e.getMessage(), e);
        }
    }
}
