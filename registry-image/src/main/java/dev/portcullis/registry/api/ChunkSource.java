package dev.portcullis.registry.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;

/**
 * Where {@link PooledChunkSender} reads a blob's bytes: a file at a position (filesystem storage over TLS), or a
 * storage driver's stream (S3 and other drivers without a local file). Reads run on worker threads, one at a time.
 */
interface ChunkSource extends Closeable {

    /** Reads exactly {@code size} bytes into a direct buffer from {@code alloc}; the caller releases it. */
    ByteBuf read(ByteBufAllocator alloc, int size) throws IOException;

    @Override
    void close();

    static ChunkSource of(FileChannel file, long offset) {
        return new FileChunks(file, offset);
    }

    static ChunkSource of(InputStream in) {
        return new StreamChunks(in);
    }

    /** Positional reads straight into direct memory: no Java array on the way. */
    final class FileChunks implements ChunkSource {
        private final FileChannel file;
        private long position;

        private FileChunks(FileChannel file, long offset) {
            this.file = file;
            this.position = offset;
        }

        @Override
        public ByteBuf read(ByteBufAllocator alloc, int size) throws IOException {
            ByteBuf buf = alloc.directBuffer(size, size);
            try {
                while (buf.isWritable()) {
                    if (buf.writeBytes(file, position + buf.writerIndex(), buf.writableBytes()) < 0) {
                        throw new EOFException("blob file ended " + buf.writableBytes() + " bytes early");
                    }
                }
                position += size;
                return buf;
            } catch (IOException | RuntimeException e) {
                buf.release();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                file.close();
            } catch (IOException ignored) {
                // Read-only: nothing was lost.
            }
        }
    }

    /**
     * An InputStream can only fill a Java array: it fills a pooled heap buffer of {@link #STAGING} bytes, copied on
     * into the direct chunk. A fresh array per read would be the 256 KiB garbage this path exists to avoid.
     */
    final class StreamChunks implements ChunkSource {
        static final int STAGING = 64 * 1024;
        private final InputStream in;

        private StreamChunks(InputStream in) {
            this.in = in;
        }

        @Override
        public ByteBuf read(ByteBufAllocator alloc, int size) throws IOException {
            ByteBuf buf = alloc.directBuffer(size, size);
            ByteBuf staging = alloc.heapBuffer(Math.min(STAGING, size));
            try {
                byte[] array = staging.array();
                int base = staging.arrayOffset();
                while (buf.isWritable()) {
                    int n = in.read(array, base, Math.min(staging.capacity(), buf.writableBytes()));
                    if (n < 0) {
                        throw new EOFException("blob ended " + buf.writableBytes() + " bytes early");
                    }
                    buf.writeBytes(array, base, n);
                }
                return buf;
            } catch (IOException | RuntimeException e) {
                buf.release();
                throw e;
            } finally {
                staging.release();
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // Nothing left to do with it.
            }
        }
    }
}
