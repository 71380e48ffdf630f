package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Filesystem driver with CNCF Distribution's on-disk layout ({@code docker/registry/v2/blobs}, {@code repositories/NAME/
 * _layers|_manifests|_uploads}), so a volume written by Distribution is served unchanged and vice versa.
 *
 * <p>Crash safety: content is only ever made visible by an atomic rename of a complete, verified, fsynced file, and
 * link files are replaced by rename too, so a kill at any moment leaves either the old state or the new one.
 */
public final class FilesystemStorage implements RegistryStorage {
    private static final int COPY_BUFFER = 256 * 1024;
    /** How close to its expiry a holder renews or releases its lock under the breaking mutex (at most half the TTL). */
    private static final java.time.Duration BREAK_MARGIN = java.time.Duration.ofSeconds(2);
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-f0-9-]{36}");

    private final Path v2;
    private final Path blobs;
    private final Path repositories;
    private final Path scratch;
    private final Path locks;
    private final LockBreaking breaking;
    /** Running digests of uploads, so a streamed upload is hashed once; rebuilt from the file when missing. */
    private final ConcurrentHashMap<Path, HashState> hashStates = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Path, Object> uploadLocks = new ConcurrentHashMap<>();

    private record HashState(long offset, MessageDigest sha256) {}

    public FilesystemStorage(Path root) throws IOException {
        this.v2 = root.toAbsolutePath().normalize().resolve("docker/registry/v2");
        this.blobs = v2.resolve("blobs");
        this.repositories = v2.resolve("repositories");
        this.scratch = v2.resolve("_scratch");
        this.locks = v2.resolve("_locks");
        Files.createDirectories(repositories);
        Files.createDirectories(blobs);
        Files.createDirectories(scratch);
        Files.createDirectories(locks);
        this.breaking = new LockBreaking(locks.resolve(".breaking"));
    }

    public Path root() {
        return v2;
    }

    // ---- paths -------------------------------------------------------------------------------------------------

    private Path blobData(Digest d) {
        return blobs.resolve(d.algorithm().id()).resolve(d.hex().substring(0, 2)).resolve(d.hex()).resolve("data");
    }

    private Path repo(RepositoryName name) {
        return repositories.resolve(name.value());
    }

    private Path layerLink(RepositoryName name, Digest d) {
        return repo(name).resolve("_layers").resolve(d.algorithm().id()).resolve(d.hex()).resolve("link");
    }

    private Path revisionDir(RepositoryName name, Digest d) {
        return repo(name).resolve("_manifests/revisions").resolve(d.algorithm().id()).resolve(d.hex());
    }

    private Path tagsDir(RepositoryName name) {
        return repo(name).resolve("_manifests/tags");
    }

    private Path tagDir(RepositoryName name, String tag) {
        return tagsDir(name).resolve(Tag.require(tag));
    }

    private Path referrersDir(RepositoryName name, Digest subject) {
        return repo(name).resolve("_referrers").resolve(subject.algorithm().id()).resolve(subject.hex());
    }

    private Path uploadDir(RepositoryName name, String id) {
        if (id == null || !UPLOAD_ID.matcher(id).matches()) {
            throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception("unknown upload id");
        }
        return repo(name).resolve("_uploads").resolve(id);
    }

    // ---- blobs -------------------------------------------------------------------------------------------------

    @Override
    public Optional<Long> blobSize(RepositoryName repo, Digest digest) throws IOException {
        if (!digest.equals(readLink(layerLink(repo, digest)).orElse(null))) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.size(blobData(digest)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Path> blobFile(Digest digest) {
        Path p = blobData(digest);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    @Override
    public InputStream openBlob(Digest digest, long offset) throws IOException {
        FileChannel ch = FileChannel.open(blobData(digest), StandardOpenOption.READ);
        ch.position(offset);
        return java.nio.channels.Channels.newInputStream(ch);
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
        Path link = layerLink(repo, digest);
        if (!Files.exists(link)) {
            return false;
        }
        deleteTree(link.getParent());
        return true;
    }

    // ---- uploads -----------------------------------------------------------------------------------------------

    @Override
    public UploadState startUpload(RepositoryName repo) throws IOException {
        String id = UUID.randomUUID().toString();
        Path dir = uploadDir(repo, id);
        Files.createDirectories(dir);
        Instant now = Instant.now();
        Files.writeString(dir.resolve("startedat"), now.toString());
        Files.createFile(dir.resolve("data"));
        return new UploadState(id, 0, now);
    }

    @Override
    public Optional<UploadState> upload(RepositoryName repo, String uploadId) throws IOException {
        Path dir = uploadDir(repo, uploadId);
        try {
            long size = Files.size(dir.resolve("data"));
            return Optional.of(new UploadState(uploadId, size, startedAt(dir)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static Instant startedAt(Path dir) {
        try {
            return Instant.parse(Files.readString(dir.resolve("startedat")).trim());
        } catch (IOException | RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    @Override
    public UploadState appendToUpload(RepositoryName repo, String uploadId, long expectedOffset, long expectedLength,
                                      InputStream data) throws IOException {
        Path dir = uploadDir(repo, uploadId);
        Path file = dir.resolve("data");
        synchronized (lockFor(dir)) {
            if (!Files.exists(file)) {
                throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception();
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                long start = ch.size();
                if (expectedOffset >= 0 && expectedOffset != start) {
                    throw ErrorCode.BLOB_UPLOAD_INVALID.exception("chunk starts at " + expectedOffset
                            + " but the upload holds " + start + " bytes").withStatus(416);
                }
                HashState state = hashStates.get(dir);
                MessageDigest md = state != null && state.offset() == start ? state.sha256() : null;
                if (md == null && start == 0) {
                    md = Digest.Algorithm.SHA256.newMessageDigest();
                }
                MessageDigest working = md == null ? null : cloneDigest(md);
                ch.position(start);
                long written;
                try {
                    written = copy(data, ch, working);
                } catch (IOException | RuntimeException e) {
                    // A broken chunk must not leave half its bytes behind: the client retries from the old offset.
                    ch.truncate(start);
                    throw e;
                }
                if (expectedLength >= 0 && written != expectedLength) {
                    ch.truncate(start);
                    throw ErrorCode.SIZE_INVALID.exception("chunk declared " + expectedLength + " bytes but carried "
                            + written);
                }
                if (working != null) {
                    hashStates.put(dir, new HashState(start + written, working));
                } else {
                    hashStates.remove(dir);
                }
                return new UploadState(uploadId, start + written, startedAt(dir));
            }
        }
    }

    @Override
    public long commitUpload(RepositoryName repo, String uploadId, Digest expected) throws IOException {
        Path dir = uploadDir(repo, uploadId);
        Path file = dir.resolve("data");
        synchronized (lockFor(dir)) {
            if (!Files.exists(file)) {
                throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception();
            }
            long size = Files.size(file);
            Digest actual = digestOf(dir, file, size, expected.algorithm());
            if (!actual.equals(expected)) {
                throw ErrorCode.DIGEST_INVALID.exception("content digest is " + actual);
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            publish(file, blobData(expected));
            writeLink(layerLink(repo, expected), expected);
            hashStates.remove(dir);
            deleteTree(dir);
            uploadLocks.remove(dir);
            return size;
        }
    }

    private Digest digestOf(Path dir, Path file, long size, Digest.Algorithm algorithm) throws IOException {
        HashState state = hashStates.get(dir);
        if (algorithm == Digest.Algorithm.SHA256 && state != null && state.offset() == size) {
            return Digest.fromMessageDigest(algorithm, cloneDigest(state.sha256()));
        }
        MessageDigest md = algorithm.newMessageDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[COPY_BUFFER];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.fromMessageDigest(algorithm, md);
    }

    @Override
    public boolean cancelUpload(RepositoryName repo, String uploadId) throws IOException {
        Path dir = uploadDir(repo, uploadId);
        synchronized (lockFor(dir)) {
            if (!Files.exists(dir.resolve("data"))) {
                return false;
            }
            hashStates.remove(dir);
            deleteTree(dir);
            uploadLocks.remove(dir);
            return true;
        }
    }

    private Object lockFor(Path dir) {
        return uploadLocks.computeIfAbsent(dir, k -> new Object());
    }

    // ---- manifests ---------------------------------------------------------------------------------------------

    @Override
    public Optional<StoredManifest> manifest(RepositoryName repo, Digest digest) throws IOException {
        Path dir = revisionDir(repo, digest);
        if (!digest.equals(readLink(dir.resolve("link")).orElse(null))) {
            return Optional.empty();
        }
        byte[] content;
        try {
            content = Files.readAllBytes(blobData(digest));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String mediaType;
        try {
            mediaType = Files.readString(dir.resolve("mediatype")).trim();
        } catch (NoSuchFileException e) {
            mediaType = declaredMediaType(content);
        }
        return Optional.of(new StoredManifest(digest, mediaType, content));
    }

    /** For manifests written by Distribution, which keeps no media type beside them. */
    private static String declaredMediaType(byte[] content) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(content);
            var mt = node.get("mediaType");
            if (mt != null && mt.isTextual()) {
                return mt.textValue();
            }
            return node.has("manifests") ? dev.portcullis.registry.oci.MediaTypes.OCI_INDEX
                    : dev.portcullis.registry.oci.MediaTypes.OCI_MANIFEST;
        } catch (IOException e) {
            return dev.portcullis.registry.oci.MediaTypes.OCI_MANIFEST;
        }
    }

    @Override
    public Optional<Digest> resolveTag(RepositoryName repo, String tag) throws IOException {
        if (!Tag.isValid(tag)) {
            return Optional.empty();
        }
        return readLink(tagDir(repo, tag).resolve("current/link"));
    }

    @Override
    public void putManifest(RepositoryName repo, StoredManifest manifest, List<String> tags, Optional<Digest> subject)
            throws IOException {
        Digest digest = manifest.digest();
        Path data = blobData(digest);
        if (!Files.exists(data)) {
            Path tmp = scratch.resolve(UUID.randomUUID().toString());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(manifest.content());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            publish(tmp, data);
        }
        Path rev = revisionDir(repo, digest);
        writeAtomically(rev.resolve("mediatype"), manifest.mediaType().getBytes(StandardCharsets.UTF_8));
        writeLink(rev.resolve("link"), digest);
        if (subject.isPresent()) {
            Digest s = subject.get();
            writeLink(referrersDir(repo, s).resolve(digest.algorithm().id()).resolve(digest.hex()).resolve("link"), digest);
        }
        for (String tag : tags) {
            Path dir = tagDir(repo, tag);
            writeLink(dir.resolve("index").resolve(digest.algorithm().id()).resolve(digest.hex()).resolve("link"), digest);
            writeLink(dir.resolve("current/link"), digest);
        }
    }

    @Override
    public boolean deleteManifest(RepositoryName repo, Digest digest, Optional<Digest> subject) throws IOException {
        Path rev = revisionDir(repo, digest);
        if (!Files.exists(rev.resolve("link"))) {
            return false;
        }
        for (String tag : tags(repo).orElse(List.of())) {
            if (digest.equals(resolveTag(repo, tag).orElse(null))) {
                deleteTree(tagDir(repo, tag));
            }
        }
        if (subject.isPresent()) {
            deleteTree(referrersDir(repo, subject.get()).resolve(digest.algorithm().id()).resolve(digest.hex()));
        }
        deleteTree(rev);
        return true;
    }

    @Override
    public boolean deleteTag(RepositoryName repo, String tag) throws IOException {
        Path dir = tagDir(repo, tag);
        if (!Files.exists(dir.resolve("current/link"))) {
            return false;
        }
        deleteTree(dir);
        return true;
    }

    @Override
    public Optional<List<String>> tags(RepositoryName repo) throws IOException {
        if (!repositoryExists(repo)) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        Path dir = tagsDir(repo);
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String tag = p.getFileName().toString();
                    if (Tag.isValid(tag) && Files.exists(p.resolve("current/link"))) {
                        out.add(tag);
                    }
                }
            }
        }
        Collections.sort(out);
        return Optional.of(out);
    }

    @Override
    public List<String> repositories() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(repositories)) {
            walk.filter(p -> {
                String n = p.getFileName().toString();
                return (n.equals("_manifests") || n.equals("_layers")) && Files.isDirectory(p);
            }).map(p -> repositories.relativize(p.getParent()).toString().replace('\\', '/'))
                    .filter(RepositoryName::isValid)
                    .distinct()
                    .forEach(out::add);
        } catch (NoSuchFileException | java.io.UncheckedIOException e) {
            // A repository deleted while we walk is simply not listed.
        }
        Collections.sort(out);
        return out;
    }

    @Override
    public boolean repositoryExists(RepositoryName repo) {
        Path dir = repo(repo);
        return Files.isDirectory(dir.resolve("_manifests")) || Files.isDirectory(dir.resolve("_layers"));
    }

    @Override
    public List<Digest> referrers(RepositoryName repo, Digest subject) throws IOException {
        Path dir = referrersDir(repo, subject);
        List<Digest> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir, 3)) {
            for (Path link : (Iterable<Path>) walk.filter(p -> p.getFileName().toString().equals("link"))::iterator) {
                readLink(link).ifPresent(out::add);
            }
        }
        Collections.sort(out);
        return out;
    }

    // ---- enumeration -------------------------------------------------------------------------------------------

    @Override
    public List<BlobRecord> allBlobs() throws IOException {
        List<BlobRecord> out = new ArrayList<>();
        for (Digest.Algorithm algorithm : Digest.Algorithm.values()) {
            Path dir = blobs.resolve(algorithm.id());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir, 3)) {
                for (Path data : (Iterable<Path>) walk.filter(p -> p.getFileName().toString().equals("data"))::iterator) {
                    String hex = data.getParent().getFileName().toString();
                    try {
                        var attrs = Files.readAttributes(data, java.nio.file.attribute.BasicFileAttributes.class);
                        out.add(new BlobRecord(new Digest(algorithm, hex), attrs.size(), attrs.lastModifiedTime().toInstant()));
                    } catch (NoSuchFileException | dev.portcullis.registry.oci.RegistryException gone) {
                        // Deleted meanwhile, or not a blob folder: nothing to report.
                    }
                }
            }
        }
        return out;
    }

    @Override
    public boolean deleteBlobContent(Digest digest) throws IOException {
        Path data = blobData(digest);
        if (!Files.exists(data)) {
            return false;
        }
        deleteTree(data.getParent());
        return true;
    }

    @Override
    public List<Digest> manifestRevisions(RepositoryName repo) throws IOException {
        return linksUnder(repo(repo).resolve("_manifests/revisions")).stream().map(LinkRecord::digest).toList();
    }

    @Override
    public List<LinkRecord> blobLinks(RepositoryName repo) throws IOException {
        return linksUnder(repo(repo).resolve("_layers"));
    }

    @Override
    public List<LinkRecord> manifestRevisionLinks(RepositoryName repo) throws IOException {
        return linksUnder(repo(repo).resolve("_manifests/revisions"));
    }

    @Override
    public boolean touchLinks(RepositoryName repo, Digest digest) throws IOException {
        boolean touched = false;
        var now = java.nio.file.attribute.FileTime.from(Instant.now());
        for (Path link : List.of(layerLink(repo, digest), revisionDir(repo, digest).resolve("link"))) {
            try {
                // Only the time changes: a link removed meanwhile must stay removed, so nothing is (re)created.
                Files.setLastModifiedTime(link, now);
                touched = true;
            } catch (NoSuchFileException absent) {
                // No such link: nothing to protect.
            }
        }
        return touched;
    }

    private List<LinkRecord> linksUnder(Path dir) throws IOException {
        List<LinkRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir, 3)) {
            for (Path link : (Iterable<Path>) walk.filter(p -> p.getFileName().toString().equals("link"))::iterator) {
                Optional<Digest> d = readLink(link);
                if (d.isPresent()) {
                    try {
                        out.add(new LinkRecord(d.get(), Files.getLastModifiedTime(link).toInstant()));
                    } catch (NoSuchFileException gone) {
                        // Unlinked meanwhile.
                    }
                }
            }
        }
        return out;
    }

    @Override
    public List<UploadState> uploads(RepositoryName repo) throws IOException {
        Path dir = repo(repo).resolve("_uploads");
        List<UploadState> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String id = p.getFileName().toString();
                if (UPLOAD_ID.matcher(id).matches()) {
                    upload(repo, id).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    @Override
    public List<String> repositoriesWithUploads() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(repositories)) {
            walk.filter(p -> p.getFileName().toString().equals("_uploads") && Files.isDirectory(p))
                    .map(p -> repositories.relativize(p.getParent()).toString().replace('\\', '/'))
                    .filter(RepositoryName::isValid)
                    .distinct()
                    .forEach(out::add);
        } catch (NoSuchFileException | java.io.UncheckedIOException e) {
            // A repository deleted while we walk is simply not listed.
        }
        Collections.sort(out);
        return out;
    }

    /**
     * A lock is a file {@code _locks/NAME} holding its owner and expiry. It is published complete by a hard link from a
     * private temp file: link(2) fails if the name exists, is atomic on local filesystems and on NFS (where it is the
     * classic lock primitive, unlike an exclusive create on NFSv2), so no racer ever reads a half-written lock. An
     * expired lock is broken only under {@link #breaking}, after re-reading that it is still the same expired lock, so
     * two racers cannot both clear it and then each take a fresh one.
     */
    @Override
    public Optional<StorageLock> tryLock(String name, java.time.Duration ttl) throws IOException {
        if (!name.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("lock name " + name);
        }
        Path file = locks.resolve(name);
        Files.createDirectories(locks); // a volume restored without it
        String owner = UUID.randomUUID().toString();
        for (int attempt = 0; attempt < 2; attempt++) {
            if (publishLock(file, owner, ttl)) {
                return Optional.of(new FileLock(file, owner, ttl));
            }
            Optional<LockContent> held = LockContent.read(file);
            if (held.isPresent() && !held.get().expired(Instant.now())) {
                return Optional.empty();
            }
            if (held.isPresent()) {
                // The holder died without releasing (or stopped renewing): clear exactly that lock, then race once more.
                breaking.run(() -> {
                    Optional<LockContent> now = LockContent.read(file);
                    if (now.equals(held) && now.get().expired(Instant.now())) {
                        Files.deleteIfExists(file);
                    }
                    return null;
                });
            }
        }
        return Optional.empty();
    }

    private boolean publishLock(Path file, String owner, java.time.Duration ttl) throws IOException {
        Path temp = locks.resolve(".new-" + owner);
        Files.writeString(temp, new LockContent(owner, Instant.now().plus(ttl)).text(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        try {
            Files.createLink(file, temp);
            return true;
        } catch (FileAlreadyExistsException held) {
            return false;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** What a lock file says: who holds it and until when. */
    private record LockContent(String owner, Instant expires) {
        String text() {
            return owner + " " + expires;
        }

        boolean expired(Instant now) {
            return now.isAfter(expires);
        }

        /** Empty when there is no lock file; a file we cannot parse counts as expired (nobody could renew it). */
        static Optional<LockContent> read(Path file) throws IOException {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (NoSuchFileException gone) {
                return Optional.empty();
            }
            String[] parts = text.split(" ");
            try {
                return Optional.of(new LockContent(parts[0], Instant.parse(parts[1])));
            } catch (RuntimeException unreadable) {
                return Optional.of(new LockContent(text, Instant.EPOCH));
            }
        }
    }

    /** A lock this process holds; renewal replaces the file atomically. */
    private final class FileLock implements StorageLock {
        private final Path file;
        private final String owner;
        private final java.time.Duration ttl;
        /**
         * Renewing or releasing this close to expiry could interleave with a racer breaking the lock, so those are
         * done under {@link #breaking}; far from expiry no racer may touch it and the cheap path is safe.
         */
        private final java.time.Duration margin;

        FileLock(Path file, String owner, java.time.Duration ttl) {
            this.file = file;
            this.owner = owner;
            this.ttl = ttl;
            this.margin = ttl.dividedBy(2).compareTo(BREAK_MARGIN) < 0 ? ttl.dividedBy(2) : BREAK_MARGIN;
        }

        /** The expiry of this lock if the file is still ours and not expired. */
        private Optional<Instant> held() throws IOException {
            return LockContent.read(file)
                    .filter(c -> c.owner().equals(owner) && !c.expired(Instant.now()))
                    .map(LockContent::expires);
        }

        private boolean nearExpiry(Instant expires) {
            return Instant.now().plus(margin).isAfter(expires);
        }

        @Override
        public boolean renew() throws IOException {
            Optional<Instant> expires = held();
            if (expires.isEmpty()) {
                return false;
            }
            if (!nearExpiry(expires.get())) {
                writeAtomically(file, new LockContent(owner, Instant.now().plus(ttl)).text().getBytes(StandardCharsets.UTF_8));
                return true;
            }
            return breaking.run(() -> {
                if (held().isEmpty()) {
                    return false;
                }
                writeAtomically(file, new LockContent(owner, Instant.now().plus(ttl)).text().getBytes(StandardCharsets.UTF_8));
                return true;
            });
        }

        @Override
        public void close() throws IOException {
            Optional<Instant> expires = held();
            if (expires.isEmpty()) {
                return;
            }
            if (!nearExpiry(expires.get())) {
                Files.deleteIfExists(file);
                return;
            }
            breaking.run(() -> {
                if (held().isPresent()) {
                    Files.deleteIfExists(file);
                }
                return null;
            });
        }
    }

    @Override
    public void healthCheck() throws IOException {
        // No createDirectories here: a storage root that vanished or became unwritable must fail the probe.
        Path probe = v2.resolve("_scratch").resolve("health-" + UUID.randomUUID());
        byte[] content = probe.getFileName().toString().getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(probe, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            if (!java.util.Arrays.equals(content, Files.readAllBytes(probe))) {
                throw new IOException("storage returned different bytes than written");
            }
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    // ---- file primitives ---------------------------------------------------------------------------------------

    private static long copy(InputStream in, FileChannel out, MessageDigest md) throws IOException {
        byte[] buf = new byte[COPY_BUFFER];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (n == 0) {
                continue;
            }
            if (md != null) {
                md.update(buf, 0, n);
            }
            bb.clear().limit(n);
            while (bb.hasRemaining()) {
                out.write(bb);
            }
            total += n;
        }
        return total;
    }

    private static MessageDigest cloneDigest(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("JDK MessageDigest is not cloneable", e);
        }
    }

    /** Moves a complete file to its content address; if it is already there, the content is identical. */
    private static void publish(Path source, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(source);
        }
    }

    private Optional<Digest> readLink(Path link) throws IOException {
        try {
            String text = Files.readString(link, StandardCharsets.UTF_8).trim();
            return Optional.of(Digest.parse(text));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (dev.portcullis.registry.oci.RegistryException corrupt) {
            return Optional.empty();
        }
    }

    private void writeLink(Path link, Digest digest) throws IOException {
        writeAtomically(link, digest.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void writeAtomically(Path target, byte[] content) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID());
        Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = walk.sorted(Collections.reverseOrder()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            // Someone else removed it first: the outcome is the same.
        }
    }
}
