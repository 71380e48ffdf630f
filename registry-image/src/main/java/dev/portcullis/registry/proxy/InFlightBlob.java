package dev.portcullis.registry.proxy;

import dev.portcullis.registry.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A blob on its way from the upstream, written to a temporary file that every client pulling it meanwhile reads as
 * it grows: one upstream transfer however many clients ask. The last byte is held back until the whole blob matched
 * its digest, so a client never receives a complete but wrong blob; a broken transfer fails every reader instead.
 */
final class InFlightBlob {
    /**
     * A reader with fewer bytes than this to go waits a moment for more: each read is a hand-off between a worker
     * and the event loop, and the upstream delivers in pieces of a few KiB.
     */
    private static final long BATCH = 256 * 1024;
    private static final long BATCH_WAIT_MILLIS = 5;
    /** A reader gives up when the transfer makes no progress for this long. */
    private static final Duration STALL_LIMIT = Duration.ofMinutes(2);

    private final Digest digest;
    private final Path file;
    private final long size;
    private long written;
    private boolean verified;
    private IOException failure;
    private long progressNanos = System.nanoTime();

    InFlightBlob(Digest digest, Path file, long size) {
        this.digest = digest;
        this.file = file;
        this.size = size;
    }

    /** True when no byte arrived for {@link #STALL_LIMIT}: the transfer is then abandoned. */
    synchronized boolean stalled() {
        return failure == null && !verified && System.nanoTime() - progressNanos > STALL_LIMIT.toNanos();
    }

    Digest digest() {
        return digest;
    }

    long size() {
        return size;
    }

    synchronized void advanced(long bytes) {
        written += bytes;
        progressNanos = System.nanoTime();
        notifyAll();
    }

    synchronized void verified() {
        verified = true;
        notifyAll();
    }

    synchronized void failed(IOException cause) {
        failure = cause;
        notifyAll();
    }

    /** A stream of the whole blob, served as it arrives. Opened before the file may be removed. */
    InputStream open() throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        return new InputStream() {
            private long position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                long readable = awaitReadable(position);
                if (readable <= 0) {
                    return -1;
                }
                int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, readable)), position);
                if (n > 0) {
                    position += n;
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    /** How many bytes past {@code position} may be read now; 0 at the end. Waits while there are none yet. */
    private synchronized long awaitReadable(long position) throws IOException {
        try {
            return awaitReadableInterruptibly(position);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + digest, e);
        }
    }

    private synchronized long awaitReadableInterruptibly(long position) throws IOException, InterruptedException {
        long lastWritten = written;
        long deadline = System.nanoTime() + STALL_LIMIT.toNanos();
        boolean batched = false;
        while (true) {
            if (failure != null) {
                throw new IOException("the upstream transfer of " + digest + " failed: " + failure.getMessage(), failure);
            }
            if (position >= size) {
                return 0;
            }
            long limit = verified ? size : Math.min(written, size - 1);
            if (limit > position) {
                if (limit - position >= BATCH || limit == size || batched) {
                    return limit - position;
                }
                batched = true;
                wait(BATCH_WAIT_MILLIS);
                continue;
            }
            if (written != lastWritten) {
                lastWritten = written;
                deadline = System.nanoTime() + STALL_LIMIT.toNanos();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("the upstream transfer of " + digest + " stalled for " + STALL_LIMIT.toSeconds() + " s");
            }
            wait(Math.max(1, Math.min(1000, left / 1_000_000)));
        }
    }
}
