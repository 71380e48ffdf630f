package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.oci.Tag;
import dev.portcullis.registry.storage.driver.FileInfo;
import dev.portcullis.registry.storage.driver.FileWriter;
import dev.portcullis.registry.storage.driver.StorageDriver;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The registry's storage semantics, written once over any {@link StorageDriver}: linked blobs, manifests and their
 * revisions, tags, referrers, upload sessions ({@link UploadSessions}), locks and what garbage collection enumerates,
 * all in Distribution's layout ({@link RegistryPaths}).
 *
 * <p>Request paths never depend on a listing (an object store's listings may lag): pushes and pulls read paths they can
 * name. Listings serve what the API lists (tags, catalog, referrers) and garbage collection.
 *
 * <p>Order of writes is what makes a crash harmless: content before the link that makes it visible, a manifest's
 * revision link before its tags; deletions remove the link that makes a thing visible first.
 */
public final class DriverRegistryStorage implements RegistryStorage, AutoCloseable {
    private static final Set<String> REPOSITORY_MARKERS = Set.of("_manifests", "_layers");
    private static final int MAX_REPOSITORY_DEPTH = 64;

    private final StorageDriver driver;
    private final UploadSessions uploads;

    public DriverRegistryStorage(StorageDriver driver) {
        this.driver = driver;
        this.uploads = new UploadSessions(driver);
    }

    /** The driver underneath, for what keeps its own files beside the registry's (the notification outbox). */
    public StorageDriver driver() {
        return driver;
    }

    // ---- links ---------------------------------------------------------------------------------------------------

    private Optional<Digest> readLink(String path) throws IOException {
        byte[] content;
        try {
            content = driver.getContent(path);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        }
        try {
            return Optional.of(Digest.parse(new String(content, StandardCharsets.UTF_8).trim()));
        } catch (dev.portcullis.registry.oci.RegistryException corrupt) {
            return Optional.empty();
        }
    }

    private void writeLink(String path, Digest digest) throws IOException {
        driver.putContent(path, digest.toString().getBytes(StandardCharsets.UTF_8));
    }

    private boolean exists(String path) throws IOException {
        try {
            driver.stat(path);
            return true;
        } catch (NoSuchFileException absent) {
            return false;
        }
    }

    // ---- blobs ---------------------------------------------------------------------------------------------------

    @Override
    public Optional<Long> blobSize(RepositoryName repo, Digest digest) throws IOException {
        if (!digest.equals(readLink(RegistryPaths.layerLink(repo, digest)).orElse(null))) {
            return Optional.empty();
        }
        try {
            return Optional.of(driver.stat(RegistryPaths.blobData(digest)).size());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Path> blobFile(Digest digest) throws IOException {
        return driver.localFile(RegistryPaths.blobData(digest));
    }

    @Override
    public InputStream openBlob(Digest digest, long offset) throws IOException {
        return driver.reader(RegistryPaths.blobData(digest), offset);
    }

    @Override
    public Optional<URI> blobRedirect(Digest digest, Duration validity) throws IOException {
        return driver.redirectUrl(RegistryPaths.blobData(digest), validity);
    }

    @Override
    public boolean mountBlob(RepositoryName from, RepositoryName to, Digest digest) throws IOException {
        if (blobSize(from, digest).isEmpty()) {
            return false;
        }
        writeLink(RegistryPaths.layerLink(to, digest), digest);
        return true;
    }

    @Override
    public boolean unlinkBlob(RepositoryName repo, Digest digest) throws IOException {
        String link = RegistryPaths.layerLink(repo, digest);
        if (!exists(link)) {
            return false;
        }
        driver.delete(link.substring(0, link.length() - "/link".length()));
        return true;
    }

    // ---- uploads -------------------------------------------------------------------------------------------------

    @Override
    public UploadState startUpload(RepositoryName repo) throws IOException {
        return uploads.start(repo);
    }

    @Override
    public Optional<UploadState> upload(RepositoryName repo, String uploadId) throws IOException {
        return uploads.find(repo, uploadId);
    }

    @Override
    public UploadState appendToUpload(RepositoryName repo, String uploadId, long expectedOffset, long expectedLength,
                                      InputStream data) throws IOException {
        return uploads.append(repo, uploadId, expectedOffset, expectedLength, data);
    }

    @Override
    public long commitUpload(RepositoryName repo, String uploadId, Digest expected) throws IOException {
        return uploads.commit(repo, uploadId, expected);
    }

    @Override
    public boolean cancelUpload(RepositoryName repo, String uploadId) throws IOException {
        return uploads.cancel(repo, uploadId);
    }

    @Override
    public List<UploadState> uploads(RepositoryName repo) throws IOException {
        return uploads.list(repo);
    }

    @Override
    public List<String> repositoriesWithUploads() throws IOException {
        return repositoriesHolding(Set.of("_uploads"));
    }

    // ---- manifests -----------------------------------------------------------------------------------------------

    @Override
    public Optional<StoredManifest> manifest(RepositoryName repo, Digest digest) throws IOException {
        String rev = RegistryPaths.revision(repo, digest);
        if (!digest.equals(readLink(rev + "/link").orElse(null))) {
            return Optional.empty();
        }
        byte[] content;
        try {
            content = driver.getContent(RegistryPaths.blobData(digest));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String mediaType;
        try {
            mediaType = new String(driver.getContent(rev + "/mediatype"), StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            mediaType = StoredManifest.declaredMediaType(content);
        }
        return Optional.of(new StoredManifest(digest, mediaType, content));
    }

    @Override
    public Optional<Digest> resolveTag(RepositoryName repo, String tag) throws IOException {
        if (!Tag.isValid(tag)) {
            return Optional.empty();
        }
        return readLink(RegistryPaths.tagCurrentLink(repo, tag));
    }

    @Override
    public void putManifest(RepositoryName repo, StoredManifest manifest, List<String> tags, Optional<Digest> subject)
            throws IOException {
        Digest digest = manifest.digest();
        String data = RegistryPaths.blobData(digest);
        if (!exists(data)) {
            // Through a writer: its commit is durable, as a blob's content must be before anything links it.
            try (FileWriter writer = driver.writer(data, false)) {
                writer.write(manifest.content(), 0, manifest.content().length);
                writer.commit();
            } catch (IOException e) {
                // Two pushes of this manifest raced to write it, and where a commit replaces the object (Azure
                // discards the blocks of a writer another commit overtook) the loser fails. The path is the content's
                // digest: whatever was committed there is these bytes, so the push goes on.
                if (!exists(data)) {
                    throw e;
                }
            }
        }
        String rev = RegistryPaths.revision(repo, digest);
        driver.putContent(rev + "/mediatype", manifest.mediaType().getBytes(StandardCharsets.UTF_8));
        writeLink(rev + "/link", digest);
        if (subject.isPresent()) {
            writeLink(RegistryPaths.referrer(repo, subject.get(), digest) + "/link", digest);
        }
        for (String tag : tags) {
            writeLink(RegistryPaths.tagIndexLink(repo, tag, digest), digest);
            writeLink(RegistryPaths.tagCurrentLink(repo, tag), digest);
        }
    }

    @Override
    public boolean deleteManifest(RepositoryName repo, Digest digest, Optional<Digest> subject) throws IOException {
        String rev = RegistryPaths.revision(repo, digest);
        if (!exists(rev + "/link")) {
            return false;
        }
        for (String tag : tags(repo).orElse(List.of())) {
            if (digest.equals(resolveTag(repo, tag).orElse(null))) {
                deleteTagFiles(repo, tag);
            }
        }
        if (subject.isPresent()) {
            driver.delete(RegistryPaths.referrer(repo, subject.get(), digest));
        }
        // The link first: from then on the revision is gone, whatever else remains.
        driver.delete(rev + "/link");
        driver.delete(rev);
        return true;
    }

    private void deleteTagFiles(RepositoryName repo, String tag) throws IOException {
        driver.delete(RegistryPaths.tagCurrentLink(repo, tag));
        driver.delete(RegistryPaths.tag(repo, tag));
    }

    @Override
    public boolean deleteTag(RepositoryName repo, String tag) throws IOException {
        if (!exists(RegistryPaths.tagCurrentLink(repo, tag))) {
            return false;
        }
        deleteTagFiles(repo, tag);
        return true;
    }

    @Override
    public Optional<List<String>> tags(RepositoryName repo) throws IOException {
        if (!repositoryExists(repo)) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (String child : driver.list(RegistryPaths.tags(repo))) {
            String tag = child.substring(child.lastIndexOf('/') + 1);
            if (Tag.isValid(tag)) {
                out.add(tag);
            }
        }
        Collections.sort(out);
        return Optional.of(out);
    }

    @Override
    public List<String> repositories() throws IOException {
        return repositoriesHolding(REPOSITORY_MARKERS);
    }

    /** Walks the repository folders, collecting each name that holds one of {@code markers}, in lexical order. */
    private List<String> repositoriesHolding(Set<String> markers) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        collect(RegistryPaths.REPOSITORIES, "", out, 0, markers);
        return new ArrayList<>(out);
    }

    private void collect(String path, String name, TreeSet<String> out, int depth, Set<String> markers)
            throws IOException {
        if (depth > MAX_REPOSITORY_DEPTH) {
            return;
        }
        for (String childPath : driver.list(path)) {
            String child = childPath.substring(childPath.lastIndexOf('/') + 1);
            if (markers.contains(child)) {
                if (RepositoryName.isValid(name)) {
                    out.add(name);
                }
            } else if (!child.startsWith("_")) {
                collect(childPath, name.isEmpty() ? child : name + "/" + child, out, depth + 1, markers);
            }
        }
    }

    @Override
    public boolean repositoryExists(RepositoryName repo) throws IOException {
        return exists(RegistryPaths.manifests(repo)) || exists(RegistryPaths.layers(repo));
    }

    @Override
    public List<Digest> referrers(RepositoryName repo, Digest subject) throws IOException {
        List<Digest> out = new ArrayList<>();
        for (LinkRecord link : linksUnder(RegistryPaths.referrers(repo, subject))) {
            out.add(link.digest());
        }
        Collections.sort(out);
        return out;
    }

    // ---- enumeration ---------------------------------------------------------------------------------------------

    @Override
    public List<BlobRecord> allBlobs() throws IOException {
        List<BlobRecord> out = new ArrayList<>();
        driver.walk(RegistryPaths.BLOBS, file -> RegistryPaths.digestOfBlobData(file.path())
                .ifPresent(d -> out.add(new BlobRecord(d, file.size(), file.modified()))));
        return out;
    }

    @Override
    public boolean deleteBlobContent(Digest digest) throws IOException {
        String data = RegistryPaths.blobData(digest);
        if (!exists(data)) {
            return false;
        }
        driver.delete(data.substring(0, data.length() - "/data".length()));
        return true;
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repo) throws IOException {
        return manifestRevisionLinks(repo).stream().map(LinkRecord::digest).toList();
    }

    @Override
    public List<LinkRecord> blobLinks(RepositoryName repo) throws IOException {
        return linksUnder(RegistryPaths.layers(repo));
    }

    @Override
    public List<LinkRecord> manifestRevisionLinks(RepositoryName repo) throws IOException {
        return linksUnder(RegistryPaths.revisions(repo));
    }

    /** The links under {@code path}, named by their path ({@code ALG/HEX/link}), with when each was written. */
    private List<LinkRecord> linksUnder(String path) throws IOException {
        List<LinkRecord> out = new ArrayList<>();
        driver.walk(path, (FileInfo file) -> RegistryPaths.digestOfLink(file.path())
                .ifPresent(d -> out.add(new LinkRecord(d, file.modified()))));
        return out;
    }

    @Override
    public boolean touchLinks(RepositoryName repo, Digest digest) throws IOException {
        boolean blob = driver.touch(RegistryPaths.layerLink(repo, digest));
        boolean revision = driver.touch(RegistryPaths.revision(repo, digest) + "/link");
        return blob || revision;
    }

    // ---- locks and health ----------------------------------------------------------------------------------------

    @Override
    public Optional<StorageLock> tryLock(String name, Duration ttl) throws IOException {
        if (!name.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("lock name " + name);
        }
        return driver.tryLock(RegistryPaths.lock(name), ttl);
    }

    @Override
    public void healthCheck() throws IOException {
        try {
            driver.healthCheck(RegistryPaths.SCRATCH + "/health-" + UUID.randomUUID());
        } catch (dev.portcullis.registry.oci.RegistryException unavailable) {
            // What a request would answer with a 503 makes the probe fail, with the driver's reason.
            throw new IOException(driver.name() + " storage unavailable: " + unavailable.getMessage(), unavailable);
        }
    }

    @Override
    public void close() throws IOException {
        driver.close();
    }
}
