package dev.portcullis.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the garbage-collection alert reads: runs by outcome, the last success and the interval. The storage is broken
 * for real (its docker/registry/v2 folder replaced by a file), so collections fail and the last success stands still.
 */
class MaintenanceMetricsTest {
    @TempDir
    Path dir;

    @Test
    void collectionsCountSuccessesAndFailuresAndTheLastSuccessStopsAtAFailure() throws Exception {
        Path root = dir.resolve("storage");
        try (RunningRegistry registry = RunningRegistry.startYaml("""
                version: 0.1
                log:
                  level: error
                http:
                  addr: 127.0.0.1:0
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                      path: /metrics
                storage:
                  filesystem:
                    rootdirectory: %s
                  maintenance:
                    gc:
                      enabled: true
                      interval: 300ms
                      grace: 1h
                """.formatted(root), root, java.util.Map.of())) {
            new RegistryHttp(registry.url()).pushImage("maintained/app", "v1", "layer".getBytes());
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());
            String metrics = await(debug, m -> value(m, runs("success")).orElse(0) >= 1);
            assertEquals(0.3, value(metrics, "registry_maintenance_interval_seconds{task=\"garbage_collection\"}").orElseThrow());

            Path v2 = registry.storageRoot().resolve("docker/registry/v2");
            try (Stream<Path> files = Files.walk(v2)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            Files.writeString(v2, "not a folder");
            metrics = await(debug, m -> value(m, runs("failure")).orElse(0) >= 2);
            double lastSuccess = value(metrics, LAST_SUCCESS).orElseThrow();
            metrics = await(debug, m -> value(m, runs("failure")).orElse(0) >= 4);
            assertEquals(lastSuccess, value(metrics, LAST_SUCCESS).orElseThrow(), "no success since the storage broke");
            assertTrue(lastSuccess > 1.7e9, metrics);
        }
    }

    private static final String LAST_SUCCESS =
            "registry_maintenance_last_success_timestamp_seconds{task=\"garbage_collection\"}";

    private static String runs(String outcome) {
        return "registry_maintenance_runs_total{outcome=\"" + outcome + "\",task=\"garbage_collection\"}";
    }

    private static OptionalDouble value(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst();
    }

    private static String await(RegistryHttp debug, java.util.function.Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            String metrics = new String(debug.get("/metrics").body());
            if (condition.test(metrics)) {
                return metrics;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 30 s:\n" + metrics);
            }
            Thread.sleep(100);
        }
    }
}
