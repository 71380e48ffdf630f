package dev.portcullis.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.monitoring.MonitoringBundle;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Every registry metric the alerts and the dashboard of deploy/monitoring read is one a running registry exports:
 * a TLS registry with client CAs, htpasswd, online garbage collection and upload purging is pushed to, pulled from,
 * refused a wrong password and left to collect, then scraped. (The operator's metrics:
 * MonitoringBundleOperatorMetricsTest.)
 */
class MonitoringBundleRegistryMetricsTest {
    @TempDir
    Path dir;

    @Test
    void everyRegistryMetricOfTheBundleIsExported() throws Exception {
        TestPki pki = new TestPki(dir.resolve("pki"), "bundle-ca");
        TestPki.Issued server = pki.server(dir.resolve("pki"), "server");
        TestPki.Issued client = pki.issue(dir.resolve("pki"), "ci", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT,
                Instant.now().plus(Duration.ofDays(1)));
        Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "alice:" + BCrypt.hashpw("pw-alice", BCrypt.gensalt(4)) + "\n");
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
                    realm: bundle
                    path: %s
                health:
                  storagedriver:
                    enabled: true
                    interval: 100ms
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                  maintenance:
                    gc:
                      enabled: true
                      interval: 1s
                      grace: 1h
                    uploadpurging:
                      enabled: true
                      age: 1h
                      interval: 1s
                """.formatted(server.cert(), server.key(), pki.caFile(), htpasswd, root), root, java.util.Map.of())) {
            String url = "https://" + registry.hostPort();
            var tls = TlsContexts.withClientCertificate(pki.caFile(), client.cert(), client.key());
            RegistryHttp alice = new RegistryHttp(url, tls, "alice", "pw-alice");
            alice.pushImage("bundle/app", "v1", "layer".getBytes());
            assertEquals(200, alice.get("/v2/bundle/app/manifests/v1",
                    "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode());
            assertEquals(401, new RegistryHttp(url, tls, "alice", "wrong").get("/v2/").statusCode());
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());
            String metrics = awaitMaintenance(debug);

            Set<String> exported = MonitoringBundle.exported(metrics);
            Set<String> missing = new TreeSet<>();
            for (String name : MonitoringBundle.metricNames()) {
                if (MonitoringBundle.fromRegistry(name) && !exported.contains(name)) {
                    missing.add(name);
                }
            }
            assertTrue(missing.isEmpty(), "read by deploy/monitoring but not exported by the registry: " + missing
                    + "\nexported: " + exported);
            assertTrue(MonitoringBundle.metricNames().stream().anyMatch(MonitoringBundle::fromRegistry));
        }
    }

    private static boolean succeeded(String metrics, String task) {
        String series = "registry_maintenance_runs_total{outcome=\"success\",task=\"" + task + "\"} ";
        return metrics.lines().anyMatch(l -> l.startsWith(series) && Double.parseDouble(l.substring(series.length())) >= 1);
    }

    /** Both maintenance tasks have completed once: their series have moved from the values they start with. */
    private static String awaitMaintenance(RegistryHttp debug) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            String metrics = new String(debug.get("/metrics").body());
            if (succeeded(metrics, "garbage_collection") && succeeded(metrics, "upload_purging")) {
                return metrics;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no garbage collection and upload purge completed within 30 s:\n" + metrics);
            }
            Thread.sleep(200);
        }
    }
}
