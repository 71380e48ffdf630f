package dev.portcullis.registry.notify;

import dev.portcullis.registry.config.ConfigException;
import dev.portcullis.registry.tls.PemKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS context for an https endpoint: its {@code tls.ca} as the only trust anchors, and the client certificate. */
final class EndpointTlsContext {
    private EndpointTlsContext() {}

    static SSLContext create(String key, EndpointSettings.EndpointTls tls) {
        try {
            TrustManagerFactory tmf = null;
            if (tls.ca().isPresent()) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                List<Certificate> cas = certificates(tls.ca().get());
                if (cas.isEmpty()) {
                    throw new ConfigException(key + ".tls.ca", tls.ca().get() + " holds no PEM certificate");
                }
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (tls.certificate().isPresent()) {
                List<Certificate> chain = certificates(tls.certificate().get());
                if (chain.isEmpty()) {
                    throw new ConfigException(key + ".tls.certificate", tls.certificate().get() + " holds no PEM certificate");
                }
                PrivateKey privateKey;
                try {
                    privateKey = PemKeys.privateKey(Files.readAllBytes(tls.key().orElseThrow()));
                } catch (IOException | RuntimeException e) {
                    throw new ConfigException(key + ".tls.key", tls.key().orElseThrow() + " is not a PEM private key");
                }
                char[] none = new char[0];
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", privateKey, none, chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(key + ".tls", "cannot build the TLS context: " + e.getMessage());
        }
    }

    private static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }
}
