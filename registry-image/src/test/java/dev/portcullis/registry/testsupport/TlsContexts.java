package dev.portcullis.registry.testsupport;

import dev.portcullis.registry.tls.PemKeys;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** SSLContexts for Java test clients from PEM files: trust a CA, optionally present a client certificate. */
public final class TlsContexts {
    private TlsContexts() {}

    public static SSLContext trusting(Path caPem) {
        return create(caPem, null, null, "TLS");
    }

    public static SSLContext withClientCertificate(Path caPem, Path certPem, Path keyPem) {
        return create(caPem, certPem, keyPem, "TLS");
    }

    public static SSLContext create(Path caPem, Path certPem, Path keyPem, String protocol) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            int i = 0;
            for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(caPem)))) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (certPem != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                Certificate[] chain = cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certPem)))
                        .toArray(Certificate[]::new);
                keys.setKeyEntry("client", PemKeys.privateKey(Files.readAllBytes(keyPem)), new char[0], chain);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance(protocol);
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a test SSLContext", e);
        }
    }
}
