package dev.portcullis.registry.metrics;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RegistryException;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.BlobRecord;
import dev.portcullis.registry.storage.LinkRecord;
import dev.portcullis.registry.storage.RegistryStorage;
import dev.portcullis.registry.storage.StorageLock;
import dev.portcullis.registry.storage.StoredManifest;
import dev.portcullis.registry.storage.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Times every storage call and counts its failures (a client's error, such as an unknown upload, is not one). */
public final class MeteredStorage implements RegistryStorage {
    private final RegistryStorage delegate;
    private final RegistryMetrics metrics;

    public MeteredStorage(RegistryStorage delegate, RegistryMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T timed(String operation, Call<T> call) throws IOException {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = call.run();
            failed = false;
            return result;
        } catch (RegistryException clientError) {
            failed = false;
            throw clientError;
        } finally {
            metrics.storage(operation, Duration.ofNanos(System.nanoTime() - start), failed);
        }
    }

    @Override
    public Optional<Long> blobSize(RepositoryName repo, Digest digest) throws IOException {
        return timed("stat_blob", () -> delegate.blobSize(repo, digest));
    }

    @Override
    public Optional<Path> blobFile(Digest digest) throws IOException {
        return timed("blob_file", () -> delegate.blobFile(digest));
    }

    @Override
    public Optional<java.net.URI> blobRedirect(Digest digest, Duration validity) throws IOException {
        return timed("blob_redirect", () -> delegate.blobRedirect(digest, validity));
    }

    @Override
    public InputStream openBlob(Digest digest, long offset) throws IOException {
        return timed("open_blob", () -> delegate.openBlob(digest, offset));
    }

    @Override
    public boolean mountBlob(RepositoryName from, RepositoryName to, Digest digest) throws IOException {
        return timed("mount_blob", () -> delegate.mountBlob(from, to, digest));
    }

    @Override
    public boolean unlinkBlob(RepositoryName repo, Digest digest) throws IOException {
        return timed("unlink_blob", () -> delegate.unlinkBlob(repo, digest));
    }

    @Override
    public UploadState startUpload(RepositoryName repo) throws IOException {
        return timed("start_upload", () -> delegate.startUpload(repo));
    }

    @Override
    public Optional<UploadState> upload(RepositoryName repo, String uploadId) throws IOException {
        return timed("upload_status", () -> delegate.upload(repo, uploadId));
    }

    @Override
    public UploadState appendToUpload(RepositoryName repo, String uploadId, long expectedOffset, long expectedLength,
                                      InputStream data) throws IOException {
        metrics.uploadStarted();
        try {
            return timed("append_upload", () -> delegate.appendToUpload(repo, uploadId, expectedOffset, expectedLength, data));
        } finally {
            metrics.uploadEnded();
        }
    }

    @Override
    public long commitUpload(RepositoryName repo, String uploadId, Digest expected) throws IOException {
        return timed("commit_upload", () -> delegate.commitUpload(repo, uploadId, expected));
    }

    @Override
    public boolean cancelUpload(RepositoryName repo, String uploadId) throws IOException {
        return timed("cancel_upload", () -> delegate.cancelUpload(repo, uploadId));
    }

    @Override
    public Optional<StoredManifest> manifest(RepositoryName repo, Digest digest) throws IOException {
        return timed("get_manifest", () -> delegate.manifest(repo, digest));
    }

    @Override
    public Optional<Digest> resolveTag(RepositoryName repo, String tag) throws IOException {
        return timed("resolve_tag", () -> delegate.resolveTag(repo, tag));
    }

    @Override
    public void putManifest(RepositoryName repo, StoredManifest manifest, List<String> tags, Optional<Digest> subject)
            throws IOException {
        timed("put_manifest", () -> {
            delegate.putManifest(repo, manifest, tags, subject);
            return null;
        });
    }

    @Override
    public boolean deleteManifest(RepositoryName repo, Digest digest, Optional<Digest> subject) throws IOException {
        return timed("delete_manifest", () -> delegate.deleteManifest(repo, digest, subject));
    }

    @Override
    public boolean deleteTag(RepositoryName repo, String tag) throws IOException {
        return timed("delete_tag", () -> delegate.deleteTag(repo, tag));
    }

    @Override
    public Optional<List<String>> tags(RepositoryName repo) throws IOException {
        return timed("list_tags", () -> delegate.tags(repo));
    }

    @Override
    public List<String> repositories() throws IOException {
        return timed("list_repositories", delegate::repositories);
    }

    @Override
    public boolean repositoryExists(RepositoryName repo) throws IOException {
        return timed("repository_exists", () -> delegate.repositoryExists(repo));
    }

    @Override
    public List<Digest> referrers(RepositoryName repo, Digest subject) throws IOException {
        return timed("list_referrers", () -> delegate.referrers(repo, subject));
    }

    @Override
    public List<BlobRecord> allBlobs() throws IOException {
        return timed("list_blobs", delegate::allBlobs);
    }

    @Override
    public boolean deleteBlobContent(Digest digest) throws IOException {
        return timed("delete_blob", () -> delegate.deleteBlobContent(digest));
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repo) throws IOException {
        return timed("list_revisions", () -> delegate.manifestRevisions(repo));
    }

    @Override
    public List<LinkRecord> blobLinks(RepositoryName repo) throws IOException {
        return timed("list_links", () -> delegate.blobLinks(repo));
    }

    @Override
    public List<LinkRecord> manifestRevisionLinks(RepositoryName repo) throws IOException {
        return timed("list_revision_links", () -> delegate.manifestRevisionLinks(repo));
    }

    @Override
    public boolean touchLinks(RepositoryName repo, Digest digest) throws IOException {
        return timed("touch_links", () -> delegate.touchLinks(repo, digest));
    }

    @Override
    public List<String> repositoriesWithUploads() throws IOException {
        return timed("list_upload_repositories", delegate::repositoriesWithUploads);
    }

    @Override
    public List<UploadState> uploads(RepositoryName repo) throws IOException {
        return timed("list_uploads", () -> delegate.uploads(repo));
    }

    @Override
    public Optional<StorageLock> tryLock(String name, Duration ttl) throws IOException {
        return timed("lock", () -> delegate.tryLock(name, ttl));
    }

    @Override
    public void healthCheck() throws IOException {
        timed("health_check", () -> {
            delegate.healthCheck();
            return null;
        });
    }
}
