package dev.portcullis.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up warm-up: it pushes, pulls and deletes a scratch image over the registry's own TLS stack before
 * {@code /readyz} turns 200, behind an htpasswd login it never needs, without holding up liveness, and leaves nothing
 * behind: not in the registry's storage (no repository, no blob), not in its metrics, not in its scratch directory.
 */
class WarmUpTest {
    @TempDir
    Path dir;

    @Test
    void readinessWaitsForTheWarmUpWhichLeavesNothingBehind() throws Exception {
        TestPki pki = new TestPki(dir, "warm-ca");
        TestPki.Issued tls = pki.server(dir, "server");
        // A password file with no usable entry: the warm-up must not need any credential of the registry's.
        Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "nobody:$2y$10$" + "x".repeat(53) + "\n");
        List<LogRecord> warmUp = new CopyOnWriteArrayList<>();
        Handler capture = capture(warmUp);
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                      path: /metrics
                auth:
                  htpasswd:
                    realm: test
                    path: %s
                """.formatted(tls.cert(), tls.key(), htpasswd))) {
            SSLContext ssl = TlsContexts.trusting(pki.caFile());
            RegistryHttp http = new RegistryHttp("https://" + registry.hostPort(), ssl, null, null);
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());
            // Liveness does not wait: the process is alive as soon as it listens, warm-up or not.
            assertEquals(200, debug.get("/livez").statusCode());
            long deadline = System.nanoTime() + 120_000_000_000L;
            int status;
            while ((status = http.get("/readyz").statusCode()) != 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(200, status, "ready in the end");
            assertEquals(1, warmUp.size(), "the warm-up reported before readiness turned true");
            String line = warmUp.get(0).getMessage();
            assertTrue(line.contains("pushed, its layer pulled " + WarmUp.GETS + " times over TLS, deleted"), line);
            Matcher scratch = Pattern.compile("; (.+) removed$").matcher(line);
            assertTrue(scratch.find(), line);
            assertFalse(Files.exists(Path.of(scratch.group(1))), "scratch directory removed: " + scratch.group(1));

            assertEquals(401, http.get("/v2/_catalog").statusCode(), "the registry's own login still applies");
            try (Stream<Path> stored = Files.walk(registry.storageRoot())) {
                // The storage health probe's files come and go in _scratch on their own schedule.
                assertEquals(List.of(), stored.filter(Files::isRegularFile)
                                .filter(p -> !p.toString().contains("/_scratch/")).toList(),
                        "nothing stored in the registry's storage");
            }
            HttpResponse<byte[]> ready = http.get("/readyz");
            assertEquals(200, ready.statusCode());
            // The warm-up's requests (uploads, a manifest, deletes) are not the registry's traffic.
            String metrics = new String(debug.get("/metrics").body());
            assertTrue(metrics.contains("registry_http_requests_seconds_count{"), "this test's requests are counted");
            for (String method : List.of("PUT", "PATCH", "POST", "DELETE", "HEAD")) {
                assertFalse(metrics.contains("method=\"" + method + "\""), method + " counted:\n" + metrics);
            }
        } finally {
            LOGGER.removeHandler(capture);
        }
    }

    @Test
    void disabledItIsSkippedAndReadinessOnlyWaitsForTheChecks() throws Exception {
        List<LogRecord> warmUp = new CopyOnWriteArrayList<>();
        Handler capture = capture(warmUp);
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  warmup:
                    disabled: true
                """)) {
            RegistryHttp http = new RegistryHttp(registry.url());
            long deadline = System.nanoTime() + 60_000_000_000L;
            int status;
            while ((status = http.get("/readyz").statusCode()) != 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(200, status);
            assertEquals(List.of(), warmUp);
        } finally {
            LOGGER.removeHandler(capture);
        }
    }

    private static final Logger LOGGER = Logger.getLogger(WarmUp.class.getName());

    private static Handler capture(List<LogRecord> into) {
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                into.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        LOGGER.setLevel(Level.INFO);
        LOGGER.addHandler(capture);
        return capture;
    }
}
