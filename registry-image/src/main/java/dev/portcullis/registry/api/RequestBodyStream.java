package dev.portcullis.registry.api;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body as a blocking {@link InputStream} for the storage driver, with backpressure: the socket is paused
 * while more than {@link #HIGH_WATER} bytes wait, so an upload of any size holds at most a few MiB in memory.
 *
 * <p>Create it on the request's event loop, before the request can deliver data; read it from a worker thread.
 */
public final class RequestBodyStream extends InputStream {
    static final long HIGH_WATER = 4L * 1024 * 1024;
    static final long LOW_WATER = 1024 * 1024;
    private static final Object END = new Object();

    private final HttpServerRequest request;
    private final Context context;
    private final long idleTimeoutMillis;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile boolean paused;
    private Buffer current;
    private int position;
    private boolean ended;
    private long consumed;
    private volatile boolean failed;

    public RequestBodyStream(HttpServerRequest request, long idleTimeoutMillis) {
        this.request = request;
        this.context = Vertx.currentContext();
        this.idleTimeoutMillis = idleTimeoutMillis;
        if (request.isEnded()) {
            queue.add(END);
            return;
        }
        request.handler(this::onData);
        request.endHandler(v -> queue.add(END));
        request.exceptionHandler(t -> queue.add(t instanceof IOException io ? io : new IOException(t.getMessage(), t)));
        request.resume();
    }

    private void onData(Buffer buffer) {
        queue.add(buffer);
        if (queuedBytes.addAndGet(buffer.length()) > HIGH_WATER && !paused) {
            paused = true;
            request.pause();
        }
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
        while (current == null || position >= current.length()) {
            if (ended) {
                return false;
            }
            Object next;
            try {
                next = queue.poll(idleTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the request body");
            }
            if (next == null) {
                failed = true;
                throw new IOException("client sent no data for " + idleTimeoutMillis + " ms");
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
            long left = queuedBytes.addAndGet(-current.length());
            if (paused && left < LOW_WATER) {
                paused = false;
                context.runOnContext(v -> request.resume());
            }
        }
        return true;
    }
}
