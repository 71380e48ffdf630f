package dev.portcullis.registry.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cert-manager renews, the kubelet swaps the Secret volume's {@code ..data} symlink: while clients keep requesting,
 * not one request fails, and new handshakes get the new certificate without a restart.
 */
class CertificateRotationTest {
    @TempDir
    Path dir;

    @Test
    void renewalUnderLoadFailsNoRequestAndServesTheNewSerial() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("rotation-ca");
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        Path secret = Files.createDirectories(dir.resolve("secret"));
        X509Certificate first = kubeletWrite(ca, secret, "..2026_01_01_00_00_00.1");
        Files.createSymbolicLink(secret.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(secret.resolve("tls.key"), Path.of("..data/tls.key"));

        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(secret.resolve("tls.crt"), secret.resolve("tls.key")))) {
            SSLContext ssl = TlsContexts.trusting(caFile);
            assertEquals(first.getSerialNumber(), servedSerial(ssl, registry.port()));
            URI base = URI.create("https://" + registry.hostPort() + "/v2/");
            baseUrl.set(base.toString());
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            HttpClient keepAlive = HttpClient.newBuilder().sslContext(ssl).build();
            List<Thread> load = List.of(
                    new Thread(() -> loop(running, ok, failure, () -> keepAlive)),
                    new Thread(() -> loop(running, ok, failure,
                            () -> HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build())));
            load.forEach(Thread::start);
            try {
                Thread.sleep(700);
                X509Certificate renewed = kubeletWrite(ca, secret, "..2026_02_01_00_00_00.2");
                long deadline = System.nanoTime() + 15_000_000_000L;
                while (!servedSerial(ssl, registry.port()).equals(renewed.getSerialNumber()) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(renewed.getSerialNumber(), servedSerial(ssl, registry.port()), "new handshakes get the renewal");
                Thread.sleep(700);
            } finally {
                running.set(false);
                for (Thread t : load) {
                    t.join();
                }
            }
            assertEquals(null, failure.get(), "no request may fail during the renewal");
            assertTrue(ok.get() > 20, "the load really ran: " + ok.get() + " requests");
            assertEquals(200, keepAlive.send(HttpRequest.newBuilder(base).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode(), "connections opened before the renewal keep working");
        }
    }

    @Test
    void aHalfWrittenPairKeepsTheOldCertificateUntilTheKeyArrives() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("rotation-ca");
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        LocalCertificateAuthority.Issued first = ca.issueServer(dir.resolve("live"), "tls");
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(first.certificate(), first.key()))) {
            SSLContext ssl = TlsContexts.trusting(caFile);
            LocalCertificateAuthority.Issued next = ca.issueServer(dir.resolve("next"), "tls");
            // A tool that writes the certificate first and the key a moment later.
            Files.copy(next.certificate(), first.certificate(), StandardCopyOption.REPLACE_EXISTING);
            Thread.sleep(3000);
            assertEquals(first.x509().getSerialNumber(), servedSerial(ssl, registry.port()),
                    "a certificate without its key is not served");
            Files.copy(next.key(), first.key(), StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (!servedSerial(ssl, registry.port()).equals(next.x509().getSerialNumber()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(next.x509().getSerialNumber(), servedSerial(ssl, registry.port()));
        }
    }

    @Test
    void minimumTlsVersionIsEnforced() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("tls13-ca");
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        LocalCertificateAuthority.Issued cert = ca.issueServer(dir.resolve("tls13"), "tls");
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                    minimumtls: tls1.3
                """.formatted(cert.certificate(), cert.key()))) {
            SSLContext tls12 = TlsContexts.create(caFile, null, null, "TLSv1.2");
            org.junit.jupiter.api.Assertions.assertThrows(javax.net.ssl.SSLException.class,
                    () -> servedSerial(tls12, registry.port()));
            assertEquals(cert.x509().getSerialNumber(), servedSerial(TlsContexts.trusting(caFile), registry.port()));
        }
    }

    private static void loop(AtomicBoolean running, AtomicInteger ok, AtomicReference<Throwable> failure,
                             java.util.function.Supplier<HttpClient> clients) {
        while (running.get()) {
            try {
                HttpClient c = clients.get();
                int status = c.send(HttpRequest.newBuilder(URI.create(baseUrl.get())).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status != 200) {
                    failure.compareAndSet(null, new AssertionError("status " + status));
                }
                ok.incrementAndGet();
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        }
    }

    private static final AtomicReference<String> baseUrl = new AtomicReference<>();

    /** Writes a new certificate the way the kubelet updates a Secret volume: new folder, then one symlink rename. */
    private static X509Certificate kubeletWrite(LocalCertificateAuthority ca, Path secret, String version) throws Exception {
        Path versionDir = Files.createDirectories(secret.resolve(version));
        LocalCertificateAuthority.Issued issued = ca.issueServer(versionDir, "tls");
        Path tmpLink = secret.resolve("..data_tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, Path.of(version));
        Files.move(tmpLink, secret.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return issued.x509();
    }

    private static BigInteger servedSerial(SSLContext ssl, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
