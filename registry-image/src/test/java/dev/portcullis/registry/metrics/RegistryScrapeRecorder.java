package dev.portcullis.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Not a test: the registry half of the data behind docs/images/dashboard.png (see docs/operations.md, "Regenerating
 * the dashboard screenshot"). Runs a TLS registry with client CAs, htpasswd, online garbage collection and upload
 * purging, puts a small load on it for {@link #LOAD} — pushes that retag one repository (so GC frees the old
 * images), pulls, a missing tag, abandoned uploads, a guessed password now and then and a burst of guesses in the middle (refused, then throttled) —
 * and writes a scrape of its /metrics every {@link #SCRAPE_INTERVAL} to target/dashboard-scrapes/registry/, one file a
 * scrape named by its epoch millisecond. Its name does not end in Test, so the build does not run it.
 */
class RegistryScrapeRecorder {
    static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(2);
    static final Duration LOAD = Duration.ofSeconds(80);
    static final Path OUT = Path.of("target/dashboard-scrapes/registry");

    @TempDir
    Path dir;

    @Test
    void record() throws Exception {
        TestPki pki = new TestPki(dir.resolve("pki"), "dashboard-ca");
        TestPki.Issued server = pki.server(dir.resolve("pki"), "server");
        TestPki.Issued client = pki.issue(dir.resolve("pki"), "ci", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT,
                Instant.now().plus(Duration.ofDays(30)));
        Path htpasswd = Files.writeString(dir.resolve("htpasswd"),
                "alice:" + BCrypt.hashpw("pw-alice", BCrypt.gensalt(4)) + "\n");
        Path root = dir.resolve("storage");
        try (RunningRegistry registry = RunningRegistry.startYaml("""
                version: 0.1
                log:
                  level: warn
                http:
                  addr: 127.0.0.1:0
                  tls:
                    certificate: %s
                    key: %s
                    clientcas: [%s]
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                      path: /metrics
                auth:
                  htpasswd:
                    realm: dashboard
                    path: %s
                health:
                  storagedriver:
                    enabled: true
                    interval: 1s
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                  maintenance:
                    gc:
                      enabled: true
                      interval: 10s
                      grace: 5s
                      deleteuntagged: true
                    uploadpurging:
                      enabled: true
                      age: 20s
                      interval: 10s
                """.formatted(server.cert(), server.key(), pki.caFile(), htpasswd, root), root, java.util.Map.of())) {
            Files.createDirectories(OUT);
            try (var old = Files.list(OUT)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            String url = "https://" + registry.hostPort();
            var tls = TlsContexts.withClientCertificate(pki.caFile(), client.cert(), client.key());
            RegistryHttp alice = new RegistryHttp(url, tls, "alice", "pw-alice");
            RegistryHttp mallory = new RegistryHttp(url, tls, "mallory", "guess");
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());

            AtomicReference<Exception> scrapeFailure = new AtomicReference<>();
            ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor();
            scraper.scheduleAtFixedRate(() -> {
                try {
                    long now = System.currentTimeMillis();
                    Files.write(OUT.resolve(now + ".prom"), debug.get("/metrics").body());
                } catch (Exception e) {
                    scrapeFailure.compareAndSet(null, e);
                }
            }, 0, SCRAPE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);

            Random random = new Random(21);
            long start = System.nanoTime();
            int round = 0;
            while (System.nanoTime() - start < LOAD.toNanos()) {
                long elapsed = Duration.ofNanos(System.nanoTime() - start).toSeconds();
                byte[] layer = new byte[20_000 + random.nextInt(400_000)];
                random.nextBytes(layer);
                alice.pushImage("demo/app", "latest", layer);
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    assertEquals(200, alice.get("/v2/demo/app/manifests/latest",
                            "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode());
                    assertEquals(200, alice.get("/v2/demo/app/blobs/" + RegistryHttp.sha256(layer)).statusCode());
                }
                if (round % 3 == 0) {
                    assertEquals(404, alice.get("/v2/demo/app/manifests/no-such-tag").statusCode());
                }
                if (round % 8 == 0) {
                    // an upload started and abandoned: in progress until upload purging removes it
                    assertEquals(202, alice.send("POST", "/v2/demo/app/blobs/uploads/", new byte[0]).statusCode());
                }
                boolean burst = elapsed >= 35 && elapsed < 45;
                for (int i = 0; i < (burst ? 6 : round % 5 == 0 ? 1 : 0); i++) {
                    // refused, then throttled once mallory's budget is spent (Retry-After)
                    int status = mallory.get("/v2/").statusCode();
                    assertTrue(status == 401 || status == 429, "wrong password answered " + status);
                }
                round++;
                Thread.sleep(300 + random.nextInt(500));
            }
            Thread.sleep(SCRAPE_INTERVAL.toMillis() * 5);
            scraper.shutdown();
            assertTrue(scraper.awaitTermination(10, TimeUnit.SECONDS));
            if (scrapeFailure.get() != null) {
                throw scrapeFailure.get();
            }
            try (var files = Files.list(OUT)) {
                assertTrue(files.count() >= LOAD.toSeconds() / SCRAPE_INTERVAL.toSeconds(), "scrapes written");
            }
        }
    }
}
