package dev.portcullis.registry.storage.driver;

import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A storage driver: files addressed by path, and nothing about registries. The registry's meaning (the
 * {@code /docker/registry/v2/...} layout, links, tags, uploads, garbage-collection enumeration) is written once above
 * every driver, in {@code dev.portcullis.registry.storage.DriverRegistryStorage}. CNCF Distribution's
 * {@code storagedriver.StorageDriver} is the model; what differs is said below.
 *
 * <h2>Paths</h2>
 * Absolute, slash-separated, no trailing slash, segments of {@code [A-Za-z0-9._-]} (Distribution's rule; see
 * {@link DriverPaths#check}), for example {@code /docker/registry/v2/blobs/sha256/ab/abcd.../data}. The driver maps
 * {@code /} to its own root (a directory, a bucket prefix, a container prefix). A <em>directory</em> is implied by the
 * files under it: it exists while one does, as in an object store. A driver over a real filesystem may leave empty
 * directories behind and report them as (empty) directories; the registry layer never depends on either.
 *
 * <h2>Errors</h2>
 * A path that does not exist where the method needs it is a {@link java.nio.file.NoSuchFileException} carrying the
 * path. A store that cannot be reached or refuses for its own reasons is another {@link IOException} (or a
 * {@link dev.portcullis.registry.oci.RegistryException} of code {@code UNAVAILABLE} when the client should retry,
 * e.g. S3 throttling). Messages never contain credentials.
 *
 * <h2>Atomicity and crash safety</h2>
 * A reader never sees a partly written file: {@link #putContent} and {@link #move} replace the target in one step, and
 * a {@link FileWriter}'s bytes become part of the file only at {@link FileWriter#commit}. Content that must survive a
 * machine crash goes through a writer (its commit is durable: fsync on a filesystem); {@code putContent} may be
 * buffered by the store (it is used for small links the layer can rebuild).
 *
 * <h2>Concurrency</h2>
 * Every method may be called by many threads at once. Two writers on one path are the caller's mistake (the registry
 * layer serialises each upload); everything else is safe to race, and the last {@code putContent}/{@code move} wins.
 *
 * <h2>Stability</h2>
 * This interface only grows: methods are added (with a default where one can be written), never renamed or changed.
 */
public interface StorageDriver extends AutoCloseable {

    /** The driver's configuration key: {@code filesystem}, {@code s3}, {@code inmemory}, {@code azure}. */
    String name();

    /** The whole content of a file. {@code NoSuchFileException} if absent. Meant for small files (links, state). */
    byte[] getContent(String path) throws IOException;

    /**
     * Creates or replaces a file with {@code content}, in one step: readers see the old content or the new one.
     * Parent directories are implied.
     */
    void putContent(String path, byte[] content) throws IOException;

    /**
     * Streams the file from byte {@code offset} (0 for all of it; an offset at or past the end gives an empty stream).
     * {@code NoSuchFileException} if absent. The caller closes the stream.
     */
    InputStream reader(String path, long offset) throws IOException;

    /**
     * A writer to the file: a new, empty file when {@code append} is false (replacing any file at {@code path} when
     * committed), or a continuation of the committed content when {@code append} is true ({@code NoSuchFileException}
     * if there is none). Appending is how resumable uploads grow, chunk by chunk, possibly from another process or
     * replica than the one that wrote the previous chunk: a driver keeps whatever it needs to continue (e.g. an object
     * store's multipart state) in the store itself, never only in memory.
     */
    FileWriter writer(String path, boolean append) throws IOException;

    /**
     * What is at {@code path}: a file with its size and modification time, or a directory (a path with files under
     * it). {@code NoSuchFileException} if neither.
     */
    FileInfo stat(String path) throws IOException;

    /**
     * The full paths of the files and directories directly under {@code path}, in lexical order; empty if there are
     * none (a missing directory is not an error: an object store cannot tell it from an empty one).
     */
    List<String> list(String path) throws IOException;

    /**
     * Moves a file, replacing {@code destination} in one step (readers see the old file, then the complete new one).
     * {@code NoSuchFileException} if {@code source} is absent. On an object store this is a server-side copy and a
     * delete; a crash between them leaves the source behind, which the caller's clean-up removes.
     */
    void move(String source, String destination) throws IOException;

    /**
     * Deletes the file, or the directory with everything under it. Deleting what is absent is not an error (so the
     * registry layer's clean-ups are idempotent). Files a concurrent writer adds under a directory being deleted may
     * survive.
     */
    void delete(String path) throws IOException;

    /**
     * Visits every file (not directory) under {@code path}, recursively, in no particular order, with its size and
     * modification time. Nothing is visited if {@code path} is absent. Files added or removed during the walk may or
     * may not be seen. Used by garbage collection and upload purging only: request paths never depend on a listing.
     */
    void walk(String path, FileVisitor visitor) throws IOException;

    /**
     * Sets the file's modification time to now, without changing its content; false if there is no such file, which
     * is never created (a file deleted meanwhile stays deleted). The garbage collector's grace period reads this time
     * (see {@code dev.portcullis.registry.gc.GcFence}).
     */
    boolean touch(String path) throws IOException;

    /**
     * Takes the lock file {@code path} if nobody holds it (or its holder let it expire); empty otherwise. Mutually
     * exclusive across every process using the store; expires after {@code ttl} unless renewed, so a crashed holder
     * blocks nobody forever. It is taken and released several times per push (one per digest committed), so it must
     * cost about a conditional create and a delete. Filesystem: a hard link, with a POSIX record lock to break an
     * expired one; object stores: a conditional write ({@code If-None-Match: *}, {@code If-Match: etag}).
     */
    Optional<StorageLock> tryLock(String path, Duration ttl) throws IOException;

    /**
     * A time-limited URL a client may fetch the file from directly (a pre-signed object URL), when the driver has one
     * and redirects are enabled in its configuration. The caller has checked that the file exists and may be read.
     */
    default Optional<URI> redirectUrl(String path, Duration validity) throws IOException {
        return Optional.empty();
    }

    /**
     * A local file holding the committed content of {@code path}, when the driver keeps one: the server then sends it
     * zero-copy ({@code sendfile}). Empty when the file is absent or the driver is not local.
     */
    default Optional<Path> localFile(String path) throws IOException {
        return Optional.empty();
    }

    /**
     * A cheap round trip through the store for the readiness probe, failing (with the store's reason, no secret) when
     * requests would fail. By default it writes, reads back and deletes {@code probePath} ({@link RoundTripProbe}, whose
     * failure names the step), which also catches a read-only volume; a driver may do something cheaper that still
     * needs the store and its credentials.
     */
    default void healthCheck(String probePath) throws IOException {
        RoundTripProbe.run(this, probePath);
    }

    /** Releases clients and threads. Calls after close fail. */
    @Override
    default void close() throws IOException {
    }

    /** Receives the files of a {@link #walk}. */
    @FunctionalInterface
    interface FileVisitor {
        void visit(FileInfo file) throws IOException;
    }
}
