package dev.portcullis.registry.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.portcullis.registry.tls.LocalCertificateAuthority;

/**
 * A throw-away CA (BouncyCastle, through {@link LocalCertificateAuthority}) with a server certificate for 127.0.0.1
 * and a client certificate, plus the same files laid out the way skopeo's --cert-dir wants them ({@code ca.crt}, {@code client.cert},
 * {@code client.key}: skopeo takes *.crt as CAs and pairs *.cert with *.key as client certificates).
 */
public record TestPki(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path skopeoCertDir) {

    public static TestPki create(Path dir) {
        try {
            LocalCertificateAuthority ca = LocalCertificateAuthority.create("portcullis-test-ca");
            Path caFile = ca.writeCertificate(dir.resolve("ca.crt"));
            LocalCertificateAuthority.Issued server = ca.issueServer(dir, "server");
            LocalCertificateAuthority.Issued client = ca.issueClient(dir, "client", "portcullis-test-client");
            Path skopeoDir = Files.createDirectories(dir.resolve("skopeo-certs"));
            Files.copy(caFile, skopeoDir.resolve("ca.crt"));
            Files.copy(client.certificate(), skopeoDir.resolve("client.cert"));
            Files.copy(client.key(), skopeoDir.resolve("client.key"));
            return new TestPki(caFile, server.certificate(), server.key(), client.certificate(), client.key(), skopeoDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
