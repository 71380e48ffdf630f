package dev.portcullis.registry.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.SecretVolume;
import dev.portcullis.registry.testsupport.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis_tls_certificate_expiry_timestamp_seconds}: one series per purpose the registry uses a certificate
 * for, each the notAfter of what it uses now, following the live reload of the serving pair and of the token bundle.
 */
class CertificateExpiryMetricTest {
    @TempDir
    Path dir;

    @Test
    void eachPurposeReportsItsCertificatesNotAfterAndFollowsReloads() throws Exception {
        TestPki pki = new TestPki(dir.resolve("pki"), "expiry-ca");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        TestPki.Issued serving = pki.issue(dir.resolve("pki"), "server", TestPki.Alg.EC, TestPki.Purpose.TLS_SERVER,
                now.plus(Duration.ofDays(30)));
        TestPki.Issued signer = pki.issue(dir.resolve("pki"), "signer", TestPki.Alg.EC, TestPki.Purpose.TOKEN_SIGNING,
                now.plus(Duration.ofDays(20)));
        SecretVolume tls = new SecretVolume(dir.resolve("tls"));
        tls.write(Map.of("tls.crt", Files.readAllBytes(serving.cert()), "tls.key", Files.readAllBytes(serving.key())));
        SecretVolume bundle = new SecretVolume(dir.resolve("bundle"));
        bundle.write(Map.of("ca.crt", Files.readAllBytes(signer.cert())));

        try (RunningRegistry registry = RunningRegistry.start(dir.resolve("reg"), """
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
                  token:
                    realm: https://issuer.example/auth
                    service: registry
                    issuer: expiry-test
                    rootcertbundle: %s
                """.formatted(tls.file("tls.crt"), tls.file("tls.key"), pki.caFile(), bundle.file("ca.crt")))) {
            RegistryHttp debug = new RegistryHttp("http://127.0.0.1:" + registry.debugPort());
            String metrics = scrape(debug);
            assertEquals(seconds(serving.certificate()), expiry(metrics, "serving").orElseThrow(), metrics);
            assertEquals(seconds(pki.caCert()), expiry(metrics, "client-ca").orElseThrow(), metrics);
            assertEquals(seconds(signer.certificate()), expiry(metrics, "token-signing").orElseThrow(), metrics);

            // renewals, written as the kubelet swaps a Secret volume: the gauges follow without a restart
            TestPki.Issued renewed = pki.issue(dir.resolve("pki"), "server-2", TestPki.Alg.EC, TestPki.Purpose.TLS_SERVER,
                    now.plus(Duration.ofDays(90)));
            tls.write(Map.of("tls.crt", Files.readAllBytes(renewed.cert()), "tls.key", Files.readAllBytes(renewed.key())));
            TestPki.Issued nextSigner = pki.issue(dir.resolve("pki"), "signer-2", TestPki.Alg.EC,
                    TestPki.Purpose.TOKEN_SIGNING, now.plus(Duration.ofDays(60)));
            bundle.write(Map.of("ca.crt", Files.readAllBytes(nextSigner.cert())));
            awaitExpiry(debug, "serving", seconds(renewed.certificate()));
            awaitExpiry(debug, "token-signing", seconds(nextSigner.certificate()));
        }
    }

    @Test
    void aPlainHttpRegistryWithoutCertificatesExportsNoSeries() throws Exception {
        try (RunningRegistry registry = RunningRegistry.start(dir.resolve("plain"), """
                  debug:
                    addr: 127.0.0.1:0
                    prometheus:
                      enabled: true
                      path: /metrics
                """)) {
            String metrics = scrape(new RegistryHttp("http://127.0.0.1:" + registry.debugPort()));
            assertFalse(metrics.contains(CertificateExpiry.NAME), metrics);
        }
    }

    private static double seconds(X509Certificate c) {
        return c.getNotAfter().toInstant().getEpochSecond();
    }

    private static String scrape(RegistryHttp debug) throws Exception {
        return new String(debug.get("/metrics").body());
    }

    static OptionalDouble expiry(String metrics, String purpose) {
        String prefix = CertificateExpiry.NAME + "{purpose=\"" + purpose + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst();
    }

    private static void awaitExpiry(RegistryHttp debug, String purpose, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String metrics = scrape(debug);
        while (expiry(metrics, purpose).orElse(-1) != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(purpose + " did not reach " + expected + " within 20 s:\n" + metrics);
            }
            Thread.sleep(200);
            metrics = scrape(debug);
        }
    }
}
