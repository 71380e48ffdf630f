package dev.portcullis.registry.storage.s3;

import dev.portcullis.registry.storage.driver.ConcurrentAppendException;
import dev.portcullis.registry.storage.driver.FileWriter;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Writes one S3 object in parts of {@code chunksize}, holding at most one part in memory whatever the file's size.
 *
 * <p>A new file ({@code append} false) ends as one PUT, or as a completed multipart upload when it outgrew a part.
 * An appended file stays small and plain (one PUT of its whole content) until it outgrows a part; from then on its
 * full parts go to a multipart upload that lives as long as the file is appended to, and each commit writes the tail
 * shorter than a part to an object of its own and the {@link S3AppendState} over the file's key, conditionally on the
 * ETag read when the writer opened ({@link ConcurrentAppendException} if another writer committed first).
 */
final class S3AppendWriter implements FileWriter {
    /** Beside an appended file: its tails. Hidden from listings. */
    static final String TAIL_INFIX = ".s3-tail-";
    private static final int FIRST_BUFFER = 64 * 1024;

    private final S3Objects objects;
    private final String key;
    private final String path;
    private final int partSize;
    private final boolean append;
    /** What the file was when opened, for the conditional commit: its ETag, or "*" for "absent". */
    private final String openedEtag;
    private final S3AppendState before;
    /** A plain file too large to buffer, continued: it becomes part 1 of the multipart upload. */
    private long plainToCopy;
    private String multipartId;
    private boolean createdHere;
    private final List<CompletedPart> parts = new ArrayList<>();
    private final List<S3AppendState.Part> recorded = new ArrayList<>();
    private byte[] buf;
    private int fill;
    private long size;
    private boolean done;

    private S3AppendWriter(S3Objects objects, String key, String path, int partSize, boolean append, String openedEtag,
                           S3AppendState before) {
        this.objects = objects;
        this.key = key;
        this.path = path;
        this.partSize = partSize;
        this.append = append;
        this.openedEtag = openedEtag;
        this.before = before;
        this.buf = new byte[Math.min(FIRST_BUFFER, partSize)];
    }

    static S3AppendWriter create(S3Objects objects, String key, String path, int partSize) {
        return new S3AppendWriter(objects, key, path, partSize, false, null, null);
    }

    static S3AppendWriter append(S3Objects objects, String key, String path, int partSize) throws IOException {
        HeadObjectResponse head = objects.head(key).orElseThrow(() -> new NoSuchFileException(path));
        if (S3AppendState.isState(head.metadata())) {
            ResponseBytes<GetObjectResponse> r = objects.get(key).orElseThrow(() -> new NoSuchFileException(path));
            S3AppendState state = S3AppendState.fromJson(r.asByteArray());
            S3AppendWriter w = new S3AppendWriter(objects, key, path, partSize, true, r.response().eTag(), state);
            w.multipartId = state.multipartId();
            for (S3AppendState.Part p : state.parts()) {
                w.parts.add(CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).build());
                w.recorded.add(p);
            }
            w.size = state.size() - state.tailSize();
            if (state.tailSize() > 0) {
                byte[] tail = objects.get(state.tailKey()).map(ResponseBytes::asByteArray)
                        .orElseThrow(() -> new IOException(path + " lost its buffered tail " + state.tailKey()));
                if (tail.length != state.tailSize()) {
                    throw new IOException(path + " tail holds " + tail.length + " bytes, its state says "
                            + state.tailSize());
                }
                w.write(tail, 0, tail.length);
            }
            return w;
        }
        S3AppendWriter w = new S3AppendWriter(objects, key, path, partSize, true, head.eTag(), null);
        long existing = head.contentLength();
        if (existing >= partSize) {
            w.plainToCopy = existing;
            w.size = existing;
        } else if (existing > 0) {
            ResponseBytes<GetObjectResponse> r = objects.get(key).orElseThrow(() -> new NoSuchFileException(path));
            if (!r.response().eTag().equals(head.eTag())) {
                throw new ConcurrentAppendException(path);
            }
            w.write(r.asByteArray(), 0, r.asByteArray().length);
        }
        return w;
    }

    @Override
    public void write(byte[] buffer, int offset, int length) throws IOException {
        while (length > 0) {
            if (fill == buf.length && buf.length < partSize) {
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, partSize));
            }
            int n = Math.min(length, buf.length - fill);
            System.arraycopy(buffer, offset, buf, fill, n);
            fill += n;
            size += n;
            offset += n;
            length -= n;
            if (fill == partSize) {
                flushPart();
            }
        }
    }

    private void ensureMultipart() throws IOException {
        if (multipartId != null) {
            return;
        }
        multipartId = objects.createMultipart(key);
        createdHere = true;
        if (plainToCopy > 0) {
            parts.add(objects.copyPart(key, key, multipartId, 1, 0, plainToCopy - 1));
            recorded.add(new S3AppendState.Part(1, parts.get(0).eTag(), plainToCopy));
            plainToCopy = 0;
        }
    }

    private void flushPart() throws IOException {
        ensureMultipart();
        CompletedPart part = objects.uploadPart(key, multipartId, parts.size() + 1, buf, fill);
        parts.add(part);
        recorded.add(new S3AppendState.Part(part.partNumber(), part.eTag(), fill));
        fill = 0;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void commit() throws IOException {
        if (done) {
            throw new IOException("writer of " + path + " already closed");
        }
        try {
            if (!append) {
                commitNewFile();
            } else if (multipartId == null && plainToCopy == 0) {
                // Still small: the whole file in one PUT, over exactly the version this writer continued.
                if (objects.put(key, buf, fill, Map.of(), Optional.of(openedEtag)).isEmpty()) {
                    throw new ConcurrentAppendException(path);
                }
            } else {
                commitParts();
            }
            done = true;
        } finally {
            if (!done) {
                cancel();
            }
        }
    }

    private void commitNewFile() throws IOException {
        if (multipartId == null) {
            objects.put(key, buf, fill, Map.of(), Optional.empty());
            return;
        }
        if (fill > 0) {
            parts.add(objects.uploadPart(key, multipartId, parts.size() + 1, buf, fill));
        }
        objects.complete(key, multipartId, parts);
    }

    private void commitParts() throws IOException {
        ensureMultipart();
        // A new tail key each time, even empty: a listing then shows which files are being appended in parts.
        String tailKey = key + TAIL_INFIX + UUID.randomUUID().toString().substring(0, 13);
        objects.put(tailKey, buf, fill, Map.of(), Optional.empty());
        S3AppendState state = new S3AppendState(multipartId, List.copyOf(recorded), tailKey, fill, size);
        byte[] json = state.toJson();
        if (objects.put(key, json, json.length, state.metadata(), Optional.of(openedEtag)).isEmpty()) {
            objects.delete(tailKey);
            throw new ConcurrentAppendException(path);
        }
        if (before != null && before.tailKey() != null) {
            objects.delete(before.tailKey());
        }
    }

    @Override
    public void cancel() {
        done = true;
        // Parts sent to a multipart upload the file already had are overwritten by the next attempt's part numbers
        // (or left out when it completes); one this writer began and nobody recorded is aborted.
        if (createdHere) {
            objects.abortQuietly(key, multipartId);
        }
    }

    @Override
    public void close() {
        if (!done) {
            cancel();
        }
    }
}
