package dev.portcullis.registry.storage.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.BlobCopyInfo;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.storage.driver.DriverPaths;
import dev.portcullis.registry.storage.driver.FileInfo;
import dev.portcullis.registry.storage.driver.FileWriter;
import dev.portcullis.registry.storage.driver.StorageDriver;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code storage.azure}: the driver over Azure Blob Storage, every file a block blob named by the root directory and
 * the path. Directories are blob-name prefixes, as in Distribution's Azure driver, so a container written by
 * Distribution is served as it is. Resumable writes stage blocks ({@link AzureBlockWriter}), locks are conditional
 * writes ({@link AzureLockBlob}), redirects are SAS URLs ({@link AzureRedirects}).
 */
public final class AzureDriver implements StorageDriver {
    private final AzureSettings settings;
    private final AzureClients clients;
    private final AzureFailures failures;
    private final AzureRedirects redirects;

    public AzureDriver(AzureSettings settings) {
        this.settings = settings;
        this.clients = new AzureClients(settings);
        this.failures = new AzureFailures(settings);
        this.redirects = new AzureRedirects(clients.service, settings);
    }

    @Override
    public String name() {
        return "azure";
    }

    /** Where the data lives, for the readiness line: account and container. */
    public String location() {
        return settings.location();
    }

    /** The blob name of a file, or the name prefix of a directory without its trailing slash. */
    private String blobName(String path) {
        DriverPaths.check(path);
        return path.equals("/") ? settings.rootDirectory() : settings.blobPrefix() + path.substring(1);
    }

    /** The prefix that lists what is under {@code path}. */
    private String childPrefix(String path) {
        return path.equals("/") ? settings.blobPrefix() : blobName(path) + "/";
    }

    private String pathOf(String blobName) {
        String relative = blobName.substring(settings.blobPrefix().length());
        return "/" + (relative.endsWith("/") ? relative.substring(0, relative.length() - 1) : relative);
    }

    private BlobClient blob(String path) {
        return clients.container.getBlobClient(blobName(path));
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        BlobClient blob = blob(path);
        try {
            return blob.downloadContent().toBytes();
        } catch (RuntimeException e) {
            throw failures.translate("reading", path, e);
        }
    }

    @Override
    public void putContent(String path, byte[] content) throws IOException {
        BlobClient blob = blob(path);
        try {
            // One Put Blob: readers see the old content or the new, never a mix.
            blob.upload(BinaryData.fromBytes(content), true);
        } catch (RuntimeException e) {
            throw failures.translate("writing", path, e);
        }
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        BlobClient blob = blob(path);
        try {
            // Ranged reads of one block each, pinned to the ETag of the first: a blob replaced meanwhile fails the
            // stream rather than mixing two versions.
            return blob.openInputStream(new BlobInputStreamOptions().setRange(new BlobRange(offset))
                    .setBlockSize(AzureBlockWriter.BLOCK_SIZE));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 416) {
                // At or past the end: nothing to read, if the blob exists at all.
                stat(path);
                return InputStream.nullInputStream();
            }
            throw failures.translate("reading", path, e);
        } catch (RuntimeException e) {
            throw failures.translate("reading", path, e);
        }
    }

    @Override
    public FileWriter writer(String path, boolean append) throws IOException {
        BlobClient blob = blob(path);
        return append ? AzureBlockWriter.append(blob.getBlockBlobClient(), path, failures)
                : AzureBlockWriter.create(blob.getBlockBlobClient(), path, failures);
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        String prefix = childPrefix(path);
        if (!path.equals("/")) {
            try {
                BlobProperties p = blob(path).getProperties();
                return FileInfo.file(path, p.getBlobSize(), p.getLastModified().toInstant());
            } catch (RuntimeException e) {
                if (!AzureFailures.blobNotFound(e)) {
                    throw failures.translate("reading the properties of", path, e);
                }
            }
        }
        try {
            if (clients.container.listBlobs(new ListBlobsOptions().setPrefix(prefix).setMaxResultsPerPage(1),
                    null).iterator().hasNext()) {
                return FileInfo.directory(path);
            }
        } catch (RuntimeException e) {
            throw failures.translate("listing", path, e);
        }
        throw new NoSuchFileException(path);
    }

    @Override
    public List<String> list(String path) throws IOException {
        String prefix = childPrefix(path);
        List<String> out = new ArrayList<>();
        try {
            for (BlobItem item : clients.container.listBlobsByHierarchy("/", new ListBlobsOptions().setPrefix(prefix),
                    null)) {
                out.add(pathOf(item.getName()));
            }
        } catch (RuntimeException e) {
            throw failures.translate("listing", path, e);
        }
        out.sort(null);
        return out;
    }

    @Override
    public void move(String source, String destination) throws IOException {
        BlobClient from = blob(source);
        BlobClient to = blob(destination);
        try {
            // A server-side copy: within one account Azure usually completes it at once; otherwise it is polled as
            // copy_status_poll_max_retry and copy_status_poll_delay say (Distribution's keys and defaults).
            SyncPoller<BlobCopyInfo, Void> copy = to.beginCopy(from.getBlobUrl(), settings.copyStatusPollDelay());
            PollResponse<BlobCopyInfo> state = copy.poll();
            for (int retry = 1; !state.getStatus().isComplete() && retry <= settings.copyStatusPollMaxRetry(); retry++) {
                Thread.sleep(settings.copyStatusPollDelay().multipliedBy(retry).toMillis());
                state = copy.poll();
            }
            if (state.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
                throw new IOException(location() + ": copying " + source + " to " + destination + " did not complete ("
                        + state.getStatus() + ")");
            }
            from.deleteIfExists();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while moving " + source, e);
        } catch (RuntimeException e) {
            throw failures.translate("moving", source, e);
        }
    }

    @Override
    public void delete(String path) throws IOException {
        String prefix = childPrefix(path);
        try {
            if (!path.equals("/") && blob(path).deleteIfExists()) {
                return;
            }
            for (BlobItem item : clients.container.listBlobs(new ListBlobsOptions().setPrefix(prefix), null)) {
                clients.container.getBlobClient(item.getName()).deleteIfExists();
            }
        } catch (RuntimeException e) {
            throw failures.translate("deleting", path, e);
        }
    }

    @Override
    public void walk(String path, FileVisitor visitor) throws IOException {
        String prefix = childPrefix(path);
        try {
            for (BlobItem item : clients.container.listBlobs(new ListBlobsOptions().setPrefix(prefix), null)) {
                visitor.visit(FileInfo.file(pathOf(item.getName()), item.getProperties().getContentLength(),
                        item.getProperties().getLastModified().toInstant()));
            }
        } catch (RuntimeException e) {
            throw failures.translate("walking", path, e);
        }
    }

    @Override
    public boolean touch(String path) throws IOException {
        BlobClient blob = blob(path);
        try {
            // Setting metadata is the one write that changes Last-Modified without rewriting the content.
            blob.setMetadata(Map.of("touched", Long.toString(Instant.now().toEpochMilli())));
            return true;
        } catch (RuntimeException e) {
            if (AzureFailures.blobNotFound(e)) {
                return false;
            }
            throw failures.translate("touching", path, e);
        }
    }

    @Override
    public Optional<StorageLock> tryLock(String path, Duration ttl) throws IOException {
        return AzureLockBlob.tryAcquire(blob(path).getBlockBlobClient(), path, failures, ttl);
    }

    @Override
    public Optional<URI> redirectUrl(String path, Duration validity) throws IOException {
        BlobClient blob = blob(path);
        if (settings.redirectDisabled()) {
            return Optional.empty();
        }
        try {
            return Optional.of(redirects.signedUrl(blob, validity));
        } catch (RuntimeException e) {
            throw failures.translate("signing a URL for", path, e);
        }
    }
}
