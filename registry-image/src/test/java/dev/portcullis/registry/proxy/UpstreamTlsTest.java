package dev.portcullis.registry.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.clients.RequiredTool;
import dev.portcullis.registry.testsupport.DistributionProcess;
import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache verifies its upstream as any TLS client must: a certificate from the configured CA for another name, or
 * one for the right name from an unknown CA, is refused (the cache answers 503, it does not pull).
 */
class UpstreamTlsTest {
    @TempDir
    Path dir;

    @Test
    void aWrongNameOrAnUntrustedCaIsRefused() throws Exception {
        RequiredTool.DISTRIBUTION.require();
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("upstream-test-ca");
        Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
        LocalCertificateAuthority.Issued elsewhere = ca.issue(dir, "elsewhere", "registry.elsewhere.example",
                Duration.ofDays(1), true, List.of("registry.elsewhere.example"));
        LocalCertificateAuthority.Issued right = ca.issueServer(dir, "right");
        for (var c : List.of(new Object[] {elsewhere, caFile, "registry.elsewhere.example"},
                new Object[] {right, null, "right name, unknown CA"})) {
            LocalCertificateAuthority.Issued cert = (LocalCertificateAuthority.Issued) c[0];
            try (DistributionProcess upstream = DistributionProcess.start(dir.resolve("up-" + cert.certificate().getFileName()), """
                    version: 0.1
                    storage:
                      filesystem:
                        rootdirectory: ${ROOT}
                    http:
                      addr: 127.0.0.1:${PORT}
                      tls:
                        certificate: %s
                        key: %s
                    """.formatted(cert.certificate(), cert.key()));
                 RunningRegistry cache = RunningRegistry.start(dir.resolve("cache-" + cert.certificate().getFileName()),
                         "proxy:\n  remoteurl: https://" + upstream.hostPort() + "\n"
                                 + (c[1] == null ? "" : "  cafile: " + c[1] + "\n"))) {
                HttpResponse<byte[]> r = new RegistryHttp(cache.url()).get("/v2/library/app/manifests/v1");
                String body = new String(r.body(), StandardCharsets.UTF_8);
                assertEquals(503, r.statusCode(), c[2] + ": " + body);
                assertTrue(body.contains("\"UNAVAILABLE\""), body);
            }
        }
    }
}
