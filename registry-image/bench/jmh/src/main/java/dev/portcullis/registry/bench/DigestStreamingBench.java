package dev.portcullis.registry.bench;

import dev.portcullis.registry.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SHA-256 over a stream, read in chunks of the buffer size, as FilesystemStorage does for uploads and digest checks
 * (its COPY_BUFFER is 256 KiB; 8 KiB is InputStream's default, 64 KiB a typical Netty chunk). One operation digests
 * 16 MiB: MiB/s = 16 x ops/s. Tells whether hashing, not I/O, bounds the upload rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class DigestStreamingBench {
    static final int SIZE = 16 * 1024 * 1024;

    @Param({"8192", "65536", "262144"})
    int bufferSize;

    byte[] data;
    byte[] buf;

    @Setup
    public void setup() {
        data = new byte[SIZE];
        new Random(42).nextBytes(data);
        buf = new byte[bufferSize];
    }

    @Benchmark
    public Digest sha256Stream16MiB() throws IOException {
        MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
        try (InputStream in = new ByteArrayInputStream(data)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.fromMessageDigest(Digest.Algorithm.SHA256, md);
    }
}
