package dev.portcullis.registry.api;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body as a blocking {@link InputStream} for the storage driver, with backpressure: the socket is paused
 * while more than {@link #HIGH_WATER} bytes wait, so an upload of any size holds at most a few MiB in memory. Until a
 * reader starts, the socket is paused as soon as anything arrives: a body waiting for its turn holds one chunk.
 *
 * <p>Create it on the request's event loop, before the request can deliver data; wait on the event loop for
 * {@link #readable()}, so that no worker thread is held while nothing arrives; then read it from a worker thread. The
 * reader fails when the client is too slow ({@link BodyLimits}): only time spent waiting for the client counts, so a
 * slow storage never makes a client look slow.
 */
public final class RequestBodyStream extends InputStream {
    static final long HIGH_WATER = 4L * 1024 * 1024;
    static final long LOW_WATER = 1024 * 1024;
    private static final Object END = new Object();

    private final HttpServerRequest request;
    private final Context context;
    private final long windowNanos;
    private final long minBytesPerWindow;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Promise<Void> readable = Promise.promise();
    private volatile boolean paused;
    private volatile boolean claimed;
    private long waitedInWindow;
    private long bytesInWindow;
    private Buffer current;
    private int position;
    private boolean ended;
    private long consumed;
    private volatile boolean failed;

    public RequestBodyStream(HttpServerRequest request, BodyLimits limits) {
        this.request = request;
        this.context = Vertx.currentContext();
        this.windowNanos = limits.idleTimeout().toNanos();
        this.minBytesPerWindow = limits.minBytesPerWindow();
        if (request.isEnded()) {
            queue.add(END);
            readable.tryComplete();
            return;
        }
        request.handler(this::onData);
        request.endHandler(v -> {
            queue.add(END);
            readable.tryComplete();
        });
        request.exceptionHandler(t -> {
            queue.add(t instanceof IOException io ? io : new IOException(t.getMessage(), t));
            readable.tryComplete();
        });
        request.resume();
    }

    private void onData(Buffer buffer) {
        if ((queuedBytes.addAndGet(buffer.length()) > HIGH_WATER || !claimed) && !paused) {
            // Paused before the buffer is queued: a reader that takes it then sees the pause, and lifts it.
            paused = true;
            request.pause();
        }
        queue.add(buffer);
        readable.tryComplete();
    }

    /** Completes on the event loop once there is something to read: bytes, the end, or the connection's failure. */
    public Future<Void> readable() {
        return readable.future();
    }

    /** True once the client's stream broke off or stalled: errors after that are the client's. */
    public boolean failed() {
        return failed;
    }

    /** Bytes handed to the reader so far. */
    public long consumed() {
        return consumed;
    }

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
        if (!nextBuffer()) {
            return -1;
        }
        // Fill the caller's buffer from every chunk already queued (the HTTP decoder delivers 8 KiB pieces), so the
        // storage hashes and writes in its own large blocks; never wait for more once some bytes are in hand.
        int total = 0;
        while (true) {
            int n = Math.min(len - total, current.length() - position);
            current.getBytes(position, position + n, b, off + total);
            position += n;
            consumed += n;
            total += n;
            if (total == len || !(queue.peek() instanceof Buffer) || !nextBuffer()) {
                return total;
            }
        }
    }

    private boolean nextBuffer() throws IOException {
        claimed = true;
        while (current == null || position >= current.length()) {
            if (ended) {
                return false;
            }
            Object next = queue.peek() != null ? queue.poll() : waitForClient();
            if (next == null) {
                continue;
            }
            if (next == END) {
                ended = true;
                current = null;
                return false;
            }
            if (next instanceof IOException e) {
                ended = true;
                failed = true;
                throw e;
            }
            current = (Buffer) next;
            position = 0;
            bytesInWindow += current.length();
            long left = queuedBytes.addAndGet(-current.length());
            if (paused && left < LOW_WATER) {
                paused = false;
                context.runOnContext(v -> request.resume());
            }
        }
        return true;
    }

    /**
     * Waits for the client's next piece; null when this window of waiting ended. Each window of waiting must have
     * brought enough bytes, or the client is too slow.
     */
    private Object waitForClient() throws IOException {
        if (waitedInWindow >= windowNanos) {
            requireRate();
            waitedInWindow = 0;
            bytesInWindow = 0;
        }
        long started = System.nanoTime();
        Object next;
        try {
            next = queue.poll(windowNanos - waitedInWindow, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the request body");
        }
        waitedInWindow += System.nanoTime() - started;
        if (next == null) {
            requireRate();
        }
        return next;
    }

    private void requireRate() throws IOException {
        if (bytesInWindow < minBytesPerWindow) {
            failed = true;
            throw new IOException("client sent " + bytesInWindow + " bytes in " + Duration.ofNanos(windowNanos).toSeconds()
                    + " s of waiting, under the minimum of " + minBytesPerWindow);
        }
    }
}
