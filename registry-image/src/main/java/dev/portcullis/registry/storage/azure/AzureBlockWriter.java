package dev.portcullis.registry.storage.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.portcullis.registry.storage.driver.ConcurrentAppendException;
import dev.portcullis.registry.storage.driver.FileWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * A {@link FileWriter} over a block blob. Bytes are staged as uncommitted blocks of at most {@link #BLOCK_SIZE};
 * {@link #commit} puts the blob's committed block list followed by this writer's blocks, in one request. So the state of
 * an upload is the blob itself: the next chunk may be appended by another replica, which reads the committed list
 * again. Uncommitted blocks are invisible to readers and are dropped by the next commit that does not name them (or by
 * Azure after a week), which is all {@link #cancel} needs.
 *
 * <p>An append commits on the condition that the blob is still the one it read ({@code If-Match}): of two writers
 * racing on one upload, one fails instead of both silently interleaving.
 */
final class AzureBlockWriter implements FileWriter {
    /** Azure allows 50,000 committed blocks per blob: 4 MiB blocks reach 195 GiB, and a writer holds one in memory. */
    static final int BLOCK_SIZE = 4 * 1024 * 1024;

    private final BlockBlobClient blob;
    private final String path;
    private final AzureFailures failures;
    private final List<String> blockIds;
    private final String etag;
    private final String writerId = UUID.randomUUID().toString();
    private final long committedSize;
    private long stagedSize;
    private byte[] buffer = new byte[0];
    private int buffered;
    private boolean closed;

    private AzureBlockWriter(BlockBlobClient blob, String path, AzureFailures failures, List<String> committed,
                             long committedSize, String etag) {
        this.blob = blob;
        this.path = path;
        this.failures = failures;
        this.blockIds = new ArrayList<>(committed);
        this.committedSize = committedSize;
        this.etag = etag;
    }

    static AzureBlockWriter create(BlockBlobClient blob, String path, AzureFailures failures) {
        return new AzureBlockWriter(blob, path, failures, List.of(), 0, null);
    }

    static AzureBlockWriter append(BlockBlobClient blob, String path, AzureFailures failures) throws IOException {
        Response<BlockList> r;
        try {
            r = blob.listBlocksWithResponse(BlockListType.COMMITTED, null, null, Context.NONE);
        } catch (RuntimeException e) {
            throw failures.translate("reading the blocks of", path, e);
        }
        List<String> ids = new ArrayList<>();
        long size = 0;
        for (Block b : r.getValue().getCommittedBlocks()) {
            ids.add(b.getName());
            size += b.getSizeLong();
        }
        String etag = r.getHeaders().getValue(HttpHeaderName.ETAG);
        AzureBlockWriter writer = new AzureBlockWriter(blob, path, failures, ids, size, etag);
        String length = r.getHeaders().getValue(HttpHeaderName.fromString("x-ms-blob-content-length"));
        if (ids.isEmpty() && length != null && Long.parseLong(length) > 0) {
            // Written in one piece (putContent), so it has no blocks to keep: restage its content as the first block.
            // Only small files are written that way.
            AzureBlockWriter restaged = new AzureBlockWriter(blob, path, failures, ids, 0, etag);
            byte[] content;
            try {
                content = blob.downloadContent().toBytes();
            } catch (RuntimeException e) {
                throw failures.translate("reading", path, e);
            }
            restaged.write(content, 0, content.length);
            restaged.stage();
            return restaged;
        }
        return writer;
    }

    @Override
    public void write(byte[] b, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("writer of " + path + " is closed");
        }
        while (length > 0) {
            if (buffer.length == 0) {
                buffer = new byte[BLOCK_SIZE];
            }
            int n = Math.min(length, BLOCK_SIZE - buffered);
            System.arraycopy(b, offset, buffer, buffered, n);
            buffered += n;
            offset += n;
            length -= n;
            if (buffered == BLOCK_SIZE) {
                stage();
            }
        }
    }

    private void stage() throws IOException {
        if (buffered == 0) {
            return;
        }
        // IDs must have one length within a blob: a UUID per writer and a fixed-width sequence number.
        String id = Base64.getEncoder().encodeToString("%s-%08d".formatted(writerId, blockIds.size())
                .getBytes(StandardCharsets.US_ASCII));
        try {
            blob.stageBlock(id, BinaryData.fromBytes(buffered == buffer.length ? buffer
                    : java.util.Arrays.copyOf(buffer, buffered)));
        } catch (RuntimeException e) {
            throw failures.translate("staging a block of", path, e);
        }
        blockIds.add(id);
        stagedSize += buffered;
        // A fresh array: the SDK may still hold the staged one.
        buffer = new byte[0];
        buffered = 0;
    }

    @Override
    public long size() {
        return committedSize + stagedSize + buffered;
    }

    @Override
    public void commit() throws IOException {
        if (closed) {
            throw new IOException("writer of " + path + " is closed");
        }
        stage();
        BlobRequestConditions conditions = etag == null ? null : new BlobRequestConditions().setIfMatch(etag);
        try {
            blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(blockIds)
                    .setRequestConditions(conditions), null, Context.NONE);
        } catch (RuntimeException e) {
            if (etag != null && AzureFailures.conditionFailed(e)) {
                throw new ConcurrentAppendException(path);
            }
            throw failures.translate("committing", path, e);
        } finally {
            closed = true;
            buffer = new byte[0];
        }
    }

    @Override
    public void cancel() {
        closed = true;
        buffer = new byte[0];
    }

    @Override
    public void close() {
        cancel();
    }
}
