package dev.portcullis.registry.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.registry.testsupport.RegistryHttp;
import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TlsContexts;
import dev.portcullis.registry.tls.LocalCertificateAuthority;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS without another auth scheme: every certificate of the client CA gets in, and
 * {@code http.tls.pullonly} keeps the listed common names (the nodes') to pulls.
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
}
