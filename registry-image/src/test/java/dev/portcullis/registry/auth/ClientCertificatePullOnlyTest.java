package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS without another auth scheme: every certificate of the client CA gets in, and
 * {@code http.tls.pullonly} keeps the listed common names (the nodes') to pulls; a certificate not meant for client
 * authentication gets nothing.
 */
class ClientCertificatePullOnlyTest {

    @TempDir Path dir;

    @Test
    void listedCertificatesPullAndAreRefusedPushAndDelete() throws Exception {
        LocalCertificateAuthority ca = LocalCertificateAuthority.create("pullonly-ca");
        Path caFile = ca.writeCertificate(dir.resolve("pki/ca.crt"));
        var server = ca.issueServer(dir.resolve("pki"), "server");
        var ci = ca.issueClient(dir.resolve("pki"), "ci", "ci-pipeline");
        var nodes = ca.issueClient(dir.resolve("pki"), "nodes", "system:nodes");
        try (RunningRegistry registry = RunningRegistry.start(dir.resolve("reg"), """
                  tls:
                    certificate: %s
                    key: %s
                    clientcas: [%s]
                    pullonly: ["system:nodes"]
                """.formatted(server.certificate(), server.key(), caFile))) {
            String url = "https://" + registry.hostPort();
            var pipeline = new RegistryHttp(url, TlsContexts.withClientCertificate(caFile, ci.certificate(), ci.key()),
                    null, null);
            byte[] manifest = pipeline.pushImage("team/app", "v1", "node layer".getBytes());
            var node = new RegistryHttp(url, TlsContexts.withClientCertificate(caFile, nodes.certificate(),
                    nodes.key()), null, null);

            assertEquals(200, node.get("/v2/team/app/manifests/v1",
                    "Accept", "application/vnd.oci.image.manifest.v1+json").statusCode());
            HttpResponse<byte[]> push = node.send("POST", "/v2/team/app/blobs/uploads/", new byte[0]);
            assertEquals(403, push.statusCode());
            assertEquals("DENIED", RegistryHttp.errorCode(push));
            HttpResponse<byte[]> delete = node.send("DELETE", "/v2/team/app/manifests/"
                    + RegistryHttp.sha256(manifest), new byte[0]);
            assertEquals(403, delete.statusCode());
            assertEquals("DENIED", RegistryHttp.errorCode(delete));
            // the pipeline's certificate is not listed: it pushes
            assertEquals(202, pipeline.send("POST", "/v2/team/app/blobs/uploads/", new byte[0]).statusCode());
        }
    }

    /**
     * The token signer's certificate (no extended key usage) chains to the client CA in today's layout; the TLS layer
     * takes a certificate without EKU as fit for anything. It must not name a client, nor pass the mutual-TLS gate.
     */
    @Test
    void aCertificateWithoutTheClientAuthPurposeIsRefused() throws Exception {
        TestPki pki = new TestPki(dir.resolve("pki2"), "purpose");
        Instant tomorrow = Instant.now().plus(Duration.ofDays(1));
        TestPki.Issued server = pki.server(dir.resolve("pki2"), "server");
        TestPki.Issued client = pki.issue(dir.resolve("pki2"), "ci", TestPki.Alg.EC, TestPki.Purpose.TLS_CLIENT, tomorrow);
        TestPki.Issued signer = pki.issue(dir.resolve("pki2"), "token-signer", TestPki.Alg.EC, TestPki.Purpose.TOKEN_SIGNING, tomorrow);
        try (RunningRegistry registry = RunningRegistry.start(dir.resolve("reg2"), """
                  tls:
                    certificate: %s
                    key: %s
                    clientcas: [%s]
                """.formatted(server.cert(), server.key(), pki.caFile()))) {
            String url = "https://" + registry.hostPort();
            var withSigner = new RegistryHttp(url, TlsContexts.withClientCertificate(pki.caFile(), signer.cert(), signer.key()),
                    null, null);
            for (String[] request : List.of(new String[] {"GET", "/v2/"}, new String[] {"GET", "/v2/_catalog"},
                    new String[] {"POST", "/v2/team/app/blobs/uploads/"})) {
                HttpResponse<byte[]> r = withSigner.send(request[0], request[1], request[0].equals("GET") ? null : new byte[0]);
                assertEquals(403, r.statusCode(), request[0] + " " + request[1]);
                assertEquals("DENIED", RegistryHttp.errorCode(r));
                assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("no clientAuth extended key usage"));
            }
            var withClient = new RegistryHttp(url, TlsContexts.withClientCertificate(pki.caFile(), client.cert(), client.key()),
                    null, null);
            assertEquals(200, withClient.get("/v2/").statusCode(), "a clientAuth certificate of the same CA gets in");
            assertEquals(202, withClient.send("POST", "/v2/team/app/blobs/uploads/", new byte[0]).statusCode());
        }
    }
}
