package dev.portcullis.registry.bench;

import dev.portcullis.registry.oci.Manifest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Manifest.parse of a typical OCI image manifest (config, 8 layers, annotations): paid on every manifest PUT. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class ManifestParseBench {
    static final String OCI = "application/vnd.oci.image.manifest.v1+json";
    byte[] manifest;

    @Setup
    public void setup() {
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i > 0) {
                layers.append(',');
            }
            layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:")
                    .append(String.format("%064x", i + 1)).append("\",\"size\":").append(1_000_000 + i).append('}');
        }
        manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + "ab".repeat(32)
                + "\",\"size\":1234},\"layers\":[" + layers + "],\"annotations\":{\"org.opencontainers.image.created\":"
                + "\"2026-01-01T00:00:00Z\",\"org.opencontainers.image.source\":\"https://example.com/app\"}}")
                .getBytes(StandardCharsets.UTF_8);
        Manifest.parse(manifest, OCI);
    }

    @Benchmark
    public Manifest parse() {
        return Manifest.parse(manifest, OCI);
    }
}
