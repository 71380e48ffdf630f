package dev.portcullis.registry.storage.driver;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes one file of a {@link StorageDriver}, for content too large for {@link StorageDriver#putContent} and for
 * resumable uploads. Bytes written are part of the file only once {@link #commit} returns. A new file is invisible
 * until then; an appending writer's bytes may already show to readers before its commit (a filesystem appends in
 * place), but nobody may rely on them: a {@link #cancel} takes them back.
 *
 * <p>Unlike Distribution's {@code FileWriter}, {@link #cancel} discards only what <em>this</em> writer wrote: an
 * appended chunk that failed midway leaves the upload at its previous size, so the client can retry the chunk. To
 * remove the file itself, {@link StorageDriver#delete} it.
 *
 * <p>Not thread-safe: one thread writes, then commits or cancels. {@link #close} without {@link #commit} cancels.
 */
public interface FileWriter extends Closeable {

    void write(byte[] buffer, int offset, int length) throws IOException;

    /** The file's size counting the bytes written so far (the committed size plus this writer's bytes). */
    long size();

    /**
     * Makes the written bytes part of the file, durably (fsync on a filesystem; a completed part or block on an object
     * store), so that a later append continues from {@link #size()}. The writer cannot be used afterwards.
     */
    void commit() throws IOException;

    /** Forgets this writer's bytes: the file stays as it was when the writer was opened (absent if it was new). */
    void cancel() throws IOException;

    /** Cancels unless committed; idempotent. */
    @Override
    void close() throws IOException;
}
