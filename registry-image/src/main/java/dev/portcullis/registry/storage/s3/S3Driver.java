package dev.portcullis.registry.storage.s3;

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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The {@code s3} driver: a path is the key {@code <rootdirectory>/<path>} in the bucket, as in Distribution's driver,
 * so a bucket written by Distribution is served unchanged. Directories are key prefixes.
 *
 * <p>Appending ({@link S3AppendWriter}) keeps its multipart state in the bucket, at the file's own key, so any replica
 * continues an upload another one began. Such a file reads as its content once it is read or moved: the multipart
 * upload is then completed over the state. {@link #walk} reports the state's size for a file still being appended
 * to (the registry walks blobs and links only); {@link #touch} is for plain files (the registry touches links).
 *
 * <p>Locks are {@link S3Lease}s: a conditional write, read back.
 */
public final class S3Driver implements StorageDriver {
    private static final Logger LOG = Logger.getLogger(S3Driver.class.getName());

    private final S3Objects objects;
    /** The key prefix {@code /} maps to: empty, or the root directory and a slash. */
    private final String root;
    private final int partSize;

    public S3Driver(S3Settings settings) {
        this.objects = new S3Objects(settings);
        this.root = settings.rootDirectory().isEmpty() ? "" : settings.rootDirectory() + "/";
        this.partSize = (int) Math.min(settings.chunkSize(), Integer.MAX_VALUE - 64);
        LOG.info("s3 storage: " + settings);
    }

    @Override
    public String name() {
        return "s3";
    }

    public S3Settings settings() {
        return objects.settings();
    }

    /** The client, for what keeps its own objects in the bucket beside the registry's (the notification outbox). */
    public S3Client client() {
        return objects.client();
    }

    private String key(String path) {
        DriverPaths.check(path);
        return path.equals("/") ? root : root + path.substring(1);
    }

    private String prefix(String path) {
        String k = key(path);
        return k.isEmpty() || k.endsWith("/") ? k : k + "/";
    }

    private String pathOf(String key) {
        return "/" + key.substring(root.length());
    }

    /** A tail of an appended file, or a "folder" marker that consoles create: no file of ours. */
    private static boolean hidden(String key) {
        return key.endsWith("/") || key.substring(key.lastIndexOf('/') + 1).contains(S3AppendWriter.TAIL_INFIX);
    }

    @Override
    public byte[] getContent(String path) throws IOException {
        String key = key(path);
        ResponseBytes<GetObjectResponse> r = objects.get(key).orElseThrow(() -> new NoSuchFileException(path));
        if (S3AppendState.isState(r.response().metadata())) {
            complete(key, path, S3AppendState.fromJson(r.asByteArray()));
            r = objects.get(key).orElseThrow(() -> new NoSuchFileException(path));
        }
        return r.asByteArray();
    }

    @Override
    public void putContent(String path, byte[] content) throws IOException {
        objects.put(key(path), content);
    }

    @Override
    public InputStream reader(String path, long offset) throws IOException {
        String key = key(path);
        ResponseInputStream<GetObjectResponse> in = objects.stream(key, offset)
                .orElseThrow(() -> new NoSuchFileException(path));
        boolean appending = S3AppendState.isState(in.response().metadata());
        if (!appending && offset > 0 && Long.valueOf(0).equals(in.response().contentLength())) {
            // Nothing past the offset: of the content, or of a state shorter than the offset. HEAD tells.
            appending = objects.head(key).map(h -> S3AppendState.isState(h.metadata())).orElse(false);
        }
        if (!appending) {
            return in;
        }
        in.abort();
        completeIfAppending(key, path);
        return objects.stream(key, offset).orElseThrow(() -> new NoSuchFileException(path));
    }

    @Override
    public FileWriter writer(String path, boolean append) throws IOException {
        String key = key(path);
        return append ? S3AppendWriter.append(objects, key, path, partSize)
                : S3AppendWriter.create(objects, key, path, partSize);
    }

    @Override
    public FileInfo stat(String path) throws IOException {
        String key = key(path);
        Optional<HeadObjectResponse> head = objects.head(key);
        if (head.isPresent()) {
            HeadObjectResponse h = head.get();
            long size = S3AppendState.isState(h.metadata()) ? S3AppendState.size(h.metadata()) : h.contentLength();
            return FileInfo.file(path, size, h.lastModified());
        }
        for (ListObjectsV2Response page : objects.list(prefix(path), false, 1)) {
            if (!page.contents().isEmpty()) {
                return FileInfo.directory(path);
            }
        }
        throw new NoSuchFileException(path);
    }

    @Override
    public List<String> list(String path) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (ListObjectsV2Response page : objects.list(prefix(path), true, null)) {
            for (CommonPrefix p : page.commonPrefixes()) {
                out.add(pathOf(p.prefix().substring(0, p.prefix().length() - 1)));
            }
            for (S3Object o : page.contents()) {
                if (!hidden(o.key())) {
                    out.add(pathOf(o.key()));
                }
            }
        }
        return new ArrayList<>(out);
    }

    @Override
    public void move(String source, String destination) throws IOException {
        String from = key(source);
        String to = key(destination);
        HeadObjectResponse head = objects.head(from).orElseThrow(() -> new NoSuchFileException(source));
        long size = head.contentLength();
        if (S3AppendState.isState(head.metadata())) {
            size = completeIfAppending(from, source);
        }
        objects.copy(from, to, size);
        objects.delete(from);
    }

    @Override
    public void delete(String path) throws IOException {
        String key = key(path);
        Set<String> doomed = new LinkedHashSet<>();
        Set<String> appending = new LinkedHashSet<>();
        // Without a delimiter and without the slash: the file itself, its tails, and everything under it as a folder.
        for (ListObjectsV2Response page : objects.list(key, false, null)) {
            for (S3Object o : page.contents()) {
                String k = o.key();
                if (k.endsWith("/")) {
                    continue; // a folder marker: gone with the files under it, or a console's to keep
                }
                int tail = k.indexOf(S3AppendWriter.TAIL_INFIX, key.length());
                if (tail >= 0 && (k.startsWith(key + S3AppendWriter.TAIL_INFIX) || k.startsWith(key + "/"))) {
                    appending.add(k.substring(0, tail));
                    doomed.add(k);
                } else if (k.equals(key) || k.startsWith(key + "/")) {
                    doomed.add(k);
                }
            }
        }
        for (String file : appending) {
            abortAppend(file);
        }
        for (String k : doomed) {
            objects.delete(k);
        }
    }

    /** An appended file's multipart upload is aborted with the file, so its parts are not billed forever. */
    private void abortAppend(String key) throws IOException {
        Optional<ResponseBytes<GetObjectResponse>> r = objects.get(key);
        if (r.isPresent() && S3AppendState.isState(r.get().response().metadata())) {
            objects.abortQuietly(key, S3AppendState.fromJson(r.get().asByteArray()).multipartId());
        }
    }

    @Override
    public void walk(String path, FileVisitor visitor) throws IOException {
        for (ListObjectsV2Response page : objects.list(prefix(path), false, null)) {
            for (S3Object o : page.contents()) {
                if (!hidden(o.key())) {
                    visitor.visit(FileInfo.file(pathOf(o.key()), o.size(), o.lastModified()));
                }
            }
        }
    }

    @Override
    public boolean touch(String path) throws IOException {
        return objects.touch(key(path));
    }

    @Override
    public Optional<StorageLock> tryLock(String path, Duration ttl) throws IOException {
        return S3Lease.tryAcquire(objects.client(), objects.bucket(), key(path), ttl);
    }

    @Override
    public Optional<URI> redirectUrl(String path, Duration validity) {
        if (objects.settings().redirectDisabled()) {
            return Optional.empty();
        }
        return Optional.of(objects.presign(key(path), validity));
    }

    /**
     * One listing of the root, as before the driver layer: it needs the bucket and the credentials, and writes nothing
     * (no request billed per write, and read-only credentials pass). Its failure names the step, as the default
     * probe's does.
     */
    @Override
    public void healthCheck(String probePath) throws IOException {
        try {
            objects.list(root, false, 1);
        } catch (IOException | dev.portcullis.registry.oci.RegistryException e) {
            throw new IOException("listing s3 bucket " + objects.bucket() + " failed: " + e.getMessage(), e);
        }
    }

    /** Completes the file if it is still being appended to; returns its size. */
    private long completeIfAppending(String key, String path) throws IOException {
        S3AppendState state;
        // Streamed: completed by another reader meanwhile, it is the content, which is not read here.
        try (ResponseInputStream<GetObjectResponse> in = objects.stream(key, 0)
                .orElseThrow(() -> new NoSuchFileException(path))) {
            if (!S3AppendState.isState(in.response().metadata())) {
                in.abort();
                return in.response().contentLength();
            }
            state = S3AppendState.fromJson(in.readAllBytes());
        }
        complete(key, path, state);
        return state.size();
    }

    /**
     * Completes an appended file's multipart upload (its tail as the last part), which writes the content over the
     * state in one step. A concurrent reader may have completed it first: then the file is content already.
     */
    private void complete(String key, String path, S3AppendState state) throws IOException {
        List<CompletedPart> parts = new ArrayList<>();
        for (S3AppendState.Part p : state.parts()) {
            parts.add(CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build());
        }
        try {
            if (state.tailSize() > 0) {
                byte[] tail = objects.get(state.tailKey()).map(ResponseBytes::asByteArray)
                        .orElseThrow(() -> new IOException(path + " lost its buffered tail " + state.tailKey()));
                parts.add(objects.uploadPart(key, state.multipartId(), parts.size() + 1, tail, tail.length));
            }
            objects.complete(key, state.multipartId(), parts);
        } catch (IOException e) {
            Optional<HeadObjectResponse> now = objects.head(key);
            if (now.isEmpty() || S3AppendState.isState(now.get().metadata())) {
                throw e;
            }
        }
        if (state.tailKey() != null) {
            objects.delete(state.tailKey());
        }
    }

    @Override
    public void close() {
        objects.close();
    }
}
