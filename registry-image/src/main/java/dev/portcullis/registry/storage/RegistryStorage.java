package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The storage driver: content-addressed blobs, the links that make them visible in a repository, manifests, tags,
 * referrers and upload sessions. Calls block; the API layer runs them off the event loop. The protocol layer never
 * sees which driver it runs on.
 */
public interface RegistryStorage {

    // ---- blobs -------------------------------------------------------------------------------------------------

    /** Size of the blob if it is visible in {@code repo}. */
    Optional<Long> blobSize(RepositoryName repo, Digest digest) throws IOException;

    /** A local file holding the blob, when the driver has one: lets the server send it zero-copy. */
    Optional<Path> blobFile(Digest digest) throws IOException;

    /** Streams the blob from {@code offset}. The caller closes the stream. */
    InputStream openBlob(Digest digest, long offset) throws IOException;

    /**
     * A time-limited URL the client may fetch the blob from directly (a pre-signed object store URL), when the driver
     * has one and redirects are not disabled ({@code storage.redirect.disable}). The caller has checked that the blob
     * is visible in the repository.
     */
    default Optional<java.net.URI> blobRedirect(Digest digest, java.time.Duration validity) throws IOException {
        return Optional.empty();
    }

    /** Makes a blob of {@code from} visible in {@code to}; false if {@code from} does not hold it. */
    boolean mountBlob(RepositoryName from, RepositoryName to, Digest digest) throws IOException;

    /** Removes the blob from {@code repo}'s view; the content stays until garbage collection. */
    boolean unlinkBlob(RepositoryName repo, Digest digest) throws IOException;

    // ---- uploads -----------------------------------------------------------------------------------------------

    UploadState startUpload(RepositoryName repo) throws IOException;

    Optional<UploadState> upload(RepositoryName repo, String uploadId) throws IOException;

    /**
     * Appends {@code data} to the upload. {@code expectedOffset} (or -1) is where the client says the chunk starts;
     * {@code expectedLength} (or -1) how long it says the chunk is. A mismatch leaves the upload as it was.
     */
    UploadState appendToUpload(RepositoryName repo, String uploadId, long expectedOffset, long expectedLength,
                               InputStream data) throws IOException;

    /**
     * Verifies the upload's content against {@code expected} and makes it a blob of {@code repo} in one atomic step.
     * Returns the blob's size.
     */
    long commitUpload(RepositoryName repo, String uploadId, Digest expected) throws IOException;

    boolean cancelUpload(RepositoryName repo, String uploadId) throws IOException;

    // ---- manifests, tags, referrers ----------------------------------------------------------------------------

    Optional<StoredManifest> manifest(RepositoryName repo, Digest digest) throws IOException;

    Optional<Digest> resolveTag(RepositoryName repo, String tag) throws IOException;

    /** Stores the manifest, points each tag at it, and indexes it as a referrer of {@code subject}. */
    void putManifest(RepositoryName repo, StoredManifest manifest, List<String> tags, Optional<Digest> subject)
            throws IOException;

    /** Removes the manifest from the repository, with every tag that points at it and its referrer entry. */
    boolean deleteManifest(RepositoryName repo, Digest digest, Optional<Digest> subject) throws IOException;

    boolean deleteTag(RepositoryName repo, String tag) throws IOException;

    /** Tags in lexical order, or empty if the repository is unknown. */
    Optional<List<String>> tags(RepositoryName repo) throws IOException;

    /** Repositories in lexical order. */
    List<String> repositories() throws IOException;

    boolean repositoryExists(RepositoryName repo) throws IOException;

    /** Digests of the manifests in {@code repo} whose subject is {@code subject}. */
    List<Digest> referrers(RepositoryName repo, Digest subject) throws IOException;

    // ---- enumeration, for garbage collection and upload purging -------------------------------------------------

    /** Every stored blob (content, not links), with its size and when it was written. */
    List<BlobRecord> allBlobs() throws IOException;

    /** Deletes a blob's content. The caller has made sure nothing references it. */
    boolean deleteBlobContent(Digest digest) throws IOException;

    /** The manifests linked in {@code repo} (its revisions), whether tagged or not. */
    List<Digest> manifestRevisions(RepositoryName repo) throws IOException;

    /** The blobs linked in {@code repo}, with when each link was written. */
    List<LinkRecord> blobLinks(RepositoryName repo) throws IOException;

    /** The manifests linked in {@code repo} (its revisions), with when each revision link was written or touched. */
    List<LinkRecord> manifestRevisionLinks(RepositoryName repo) throws IOException;

    /**
     * Sets the write time of {@code repo}'s existing links to {@code digest} (its blob link and, for a manifest, its
     * revision link) to now, creating nothing; false if there is no such link. A manifest push calls it for every
     * blob and child manifest it references, so that the garbage collector's grace period protects them until the
     * manifest is stored (see {@code dev.portcullis.registry.gc.GcFence}). A driver whose objects carry no settable
     * time may keep the time in the link's content; what matters is that {@link #blobLinks} and
     * {@link #manifestRevisionLinks} report the new time afterwards.
     */
    boolean touchLinks(RepositoryName repo, Digest digest) throws IOException;

    /** The upload sessions of {@code repo}. */
    List<UploadState> uploads(RepositoryName repo) throws IOException;

    /**
     * Repositories holding upload sessions, in lexical order, including those that hold nothing else yet (a first
     * push abandoned before any blob was committed), which {@link #repositories()} does not list.
     */
    List<String> repositoriesWithUploads() throws IOException;

    /**
     * Takes the named lock if nobody holds it (or its holder let it expire); empty otherwise. It expires after
     * {@code ttl} unless renewed, so a crashed holder cannot block the others forever.
     *
     * <p>Besides the collector's {@code gc} lock, the garbage-collection fences use one lock per digest
     * ({@code blob-sha256-HEX}): every blob commit and every manifest push takes and releases a few of them, so this
     * must be cheap (a conditional create and a delete) and mutually exclusive across processes.
     */
    Optional<StorageLock> tryLock(String name, java.time.Duration ttl) throws IOException;

    /** A cheap round trip through the storage (write, read, delete a probe), for the health check. */
    void healthCheck() throws IOException;
}
