package dev.portcullis.registry.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The registry serves its PEM key and chain through {@link SingleCertificateKeyManager} (no KeyStore in between):
 * RSA and EC keys complete real handshakes on TLS 1.2 and 1.3 and present the whole chain from the file.
 */
class SingleCertificateKeyManagerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TestPki.Alg.class)
    void servesTheKeyAndChainOfEachAlgorithmOverTls12And13(TestPki.Alg alg) throws Exception {
        TestPki pki = new TestPki(dir, "km-ca");
        TestPki.Issued server = pki.issue(dir, "server", alg, true, java.time.Instant.now().plusSeconds(3600));
        // Leaf then CA: the file's chain is what the client must receive.
        Path chainFile = dir.resolve("chain.crt");
        Files.writeString(chainFile, Files.readString(server.cert()) + Files.readString(pki.caFile()));
        try (RunningRegistry registry = RunningRegistry.start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(chainFile, server.key()))) {
            for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                SSLContext ssl = TlsContexts.create(pki.caFile(), null, null, protocol);
                try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", registry.port())) {
                    s.setEnabledProtocols(new String[] {protocol});
                    s.startHandshake();
                    assertEquals(protocol, s.getSession().getProtocol());
                    Certificate[] presented = s.getSession().getPeerCertificates();
                    assertArrayEquals(new Certificate[] {server.certificate(), pki.caCert()}, presented);
                }
            }
        }
    }

    @Test
    void offersItsKeyOnlyForItsOwnKeyType() throws Exception {
        TestPki pki = new TestPki(dir, "km-ca");
        TestPki.Issued ec = pki.server(dir, "ec");
        SingleCertificateKeyManager km = new SingleCertificateKeyManager(ec.keyPair().getPrivate(), List.of(ec.certificate()));
        assertEquals(SingleCertificateKeyManager.ALIAS, km.chooseEngineServerAlias("EC", null, null));
        assertEquals(SingleCertificateKeyManager.ALIAS, km.chooseEngineServerAlias("EC_EC", null, null));
        assertNull(km.chooseEngineServerAlias("RSA", null, null));
        assertNull(km.chooseClientAlias(new String[] {"EC"}, null, null));
        assertNull(km.getPrivateKey("another"));
        assertEquals(ec.keyPair().getPrivate(), km.getPrivateKey(SingleCertificateKeyManager.ALIAS));
    }
}
