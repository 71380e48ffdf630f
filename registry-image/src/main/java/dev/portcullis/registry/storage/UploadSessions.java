package dev.portcullis.registry.storage;

import dev.portcullis.registry.oci.Digest;
import dev.portcullis.registry.oci.ErrorCode;
import dev.portcullis.registry.oci.RepositoryName;
import dev.portcullis.registry.storage.driver.ConcurrentAppendException;
import dev.portcullis.registry.storage.driver.FileWriter;
import dev.portcullis.registry.storage.driver.StorageDriver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Upload sessions on any driver, in Distribution's layout: {@code _uploads/ID/data} grows chunk by chunk through an
 * appending {@link FileWriter}, {@code _uploads/ID/startedat} says when the session began. The session's offset is the
 * size of {@code data}, so any replica can continue it. Committing verifies the digest, moves {@code data} to the
 * blob's content address and links it into the repository.
 *
 * <p>A chunk is all or nothing: a broken stream, or a length other than declared, cancels the writer and the upload
 * stays at its previous offset for the client to retry.
 */
final class UploadSessions {
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-f0-9-]{36}");
    private static final int COPY_BUFFER = 256 * 1024;

    /** The running SHA-256 of an upload at {@code offset}, so a streamed upload is hashed once. */
    private record HashState(long offset, MessageDigest sha256) {}

    private final StorageDriver driver;
    /** Kept by this process only: another replica (or a restart) rehashes the data once at commit. */
    private final ConcurrentHashMap<String, HashState> hashStates = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> sessionLocks = new ConcurrentHashMap<>();

    UploadSessions(StorageDriver driver) {
        this.driver = driver;
    }

    static boolean isUploadId(String id) {
        return id != null && UPLOAD_ID.matcher(id).matches();
    }

    private static String dir(RepositoryName repo, String id) {
        if (!isUploadId(id)) {
            throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception("unknown upload id");
        }
        return RegistryPaths.upload(repo, id);
    }

    private Object lockFor(String dir) {
        return sessionLocks.computeIfAbsent(dir, k -> new Object());
    }

    UploadState start(RepositoryName repo) throws IOException {
        String id = UUID.randomUUID().toString();
        String dir = dir(repo, id);
        Instant now = Instant.now();
        driver.putContent(dir + "/startedat", now.toString().getBytes(StandardCharsets.UTF_8));
        driver.putContent(dir + "/data", new byte[0]);
        return new UploadState(id, 0, now);
    }

    Optional<UploadState> find(RepositoryName repo, String id) throws IOException {
        String dir = dir(repo, id);
        try {
            long size = driver.stat(dir + "/data").size();
            return Optional.of(new UploadState(id, size, startedAt(dir)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private Instant startedAt(String dir) {
        try {
            return Instant.parse(new String(driver.getContent(dir + "/startedat"), StandardCharsets.UTF_8).trim());
        } catch (IOException | RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    UploadState append(RepositoryName repo, String id, long expectedOffset, long expectedLength, InputStream data)
            throws IOException {
        String dir = dir(repo, id);
        synchronized (lockFor(dir)) {
            FileWriter writer;
            try {
                writer = driver.writer(dir + "/data", true);
            } catch (NoSuchFileException e) {
                throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception();
            }
            try (writer) {
                long start = writer.size();
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
                long written = copy(data, writer, working);
                if (expectedLength >= 0 && written != expectedLength) {
                    throw ErrorCode.SIZE_INVALID.exception("chunk declared " + expectedLength + " bytes but carried "
                            + written);
                }
                try {
                    writer.commit();
                } catch (ConcurrentAppendException raced) {
                    throw ErrorCode.BLOB_UPLOAD_INVALID.exception("another request appended to this upload at the"
                            + " same time; ask for its offset and send the rest from there").withStatus(416);
                }
                if (working != null) {
                    hashStates.put(dir, new HashState(start + written, working));
                } else {
                    hashStates.remove(dir);
                }
                return new UploadState(id, start + written, startedAt(dir));
            }
        }
    }

    /** Verifies, publishes the content at its address and links it in {@code repo}. Returns the blob's size. */
    long commit(RepositoryName repo, String id, Digest expected) throws IOException {
        String dir = dir(repo, id);
        synchronized (lockFor(dir)) {
            long size;
            try {
                size = driver.stat(dir + "/data").size();
            } catch (NoSuchFileException e) {
                throw ErrorCode.BLOB_UPLOAD_UNKNOWN.exception();
            }
            Digest actual = digestOf(dir, size, expected.algorithm());
            if (!actual.equals(expected)) {
                throw ErrorCode.DIGEST_INVALID.exception("content digest is " + actual);
            }
            // The content first, then the link: a crash between them leaves an unlinked blob for the collector.
            driver.move(dir + "/data", RegistryPaths.blobData(expected));
            driver.putContent(RegistryPaths.layerLink(repo, expected), expected.toString().getBytes(StandardCharsets.UTF_8));
            forget(dir);
            return size;
        }
    }

    private Digest digestOf(String dir, long size, Digest.Algorithm algorithm) throws IOException {
        HashState state = hashStates.get(dir);
        if (algorithm == Digest.Algorithm.SHA256 && state != null && state.offset() == size) {
            return Digest.fromMessageDigest(algorithm, cloneDigest(state.sha256()));
        }
        MessageDigest md = algorithm.newMessageDigest();
        try (InputStream in = driver.reader(dir + "/data", 0)) {
            byte[] buf = new byte[COPY_BUFFER];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.fromMessageDigest(algorithm, md);
    }

    boolean cancel(RepositoryName repo, String id) throws IOException {
        String dir = dir(repo, id);
        synchronized (lockFor(dir)) {
            try {
                driver.stat(dir + "/data");
            } catch (NoSuchFileException e) {
                return false;
            }
            forget(dir);
            return true;
        }
    }

    /** Removes the session's files and this process's memory of it. */
    private void forget(String dir) throws IOException {
        hashStates.remove(dir);
        driver.delete(dir);
        sessionLocks.remove(dir);
    }

    List<UploadState> list(RepositoryName repo) throws IOException {
        List<UploadState> out = new ArrayList<>();
        for (String child : driver.list(RegistryPaths.uploads(repo))) {
            String id = child.substring(child.lastIndexOf('/') + 1);
            if (isUploadId(id)) {
                find(repo, id).ifPresent(out::add);
            }
        }
        return out;
    }

    private static long copy(InputStream in, FileWriter out, MessageDigest md) throws IOException {
        byte[] buf = new byte[COPY_BUFFER];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            if (n == 0) {
                continue;
            }
            if (md != null) {
                md.update(buf, 0, n);
            }
            out.write(buf, 0, n);
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
}
