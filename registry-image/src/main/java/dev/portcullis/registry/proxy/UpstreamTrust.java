package dev.portcullis.registry.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.net.Socket;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS trust for an upstream: the JDK's CAs, plus those of {@code cafile} for a private upstream. Hostnames are always
 * verified: there is no switch to turn verification off.
 */
final class UpstreamTrust {
    private UpstreamTrust() {}

    static SSLContext context(Optional<Path> caFile) throws IOException {
        try {
            X509ExtendedTrustManager jdk = trustManager(null);
            X509ExtendedTrustManager combined = jdk;
            if (caFile.isPresent()) {
                KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
                extra.load(null, null);
                try (InputStream in = Files.newInputStream(caFile.get())) {
                    int n = 0;
                    for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        extra.setCertificateEntry("ca-" + n++, cert);
                    }
                }
                combined = either(trustManager(extra), jdk);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {combined}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the CA certificates of " + caFile.map(Path::toString).orElse("the JDK")
                    + ": " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /**
     * Trusts a chain either trust manager trusts. Extended, with the engine passed on, so that the JDK's managers check
     * the upstream's hostname against its certificate themselves.
     */
    private static X509ExtendedTrustManager either(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                try {
                    first.checkServerTrusted(chain, authType, engine);
                } catch (CertificateException notOurs) {
                    second.checkServerTrusted(chain, authType, engine);
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                try {
                    first.checkServerTrusted(chain, authType, socket);
                } catch (CertificateException notOurs) {
                    second.checkServerTrusted(chain, authType, socket);
                }
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    first.checkServerTrusted(chain, authType);
                } catch (CertificateException notOurs) {
                    second.checkServerTrusted(chain, authType);
                }
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                throw new CertificateException("the cache's upstream client does not authenticate clients");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                throw new CertificateException("the cache's upstream client does not authenticate clients");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("the cache's upstream client does not authenticate clients");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                X509Certificate[] a = first.getAcceptedIssuers();
                X509Certificate[] b = second.getAcceptedIssuers();
                X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
                System.arraycopy(b, 0, all, a.length, b.length);
                return all;
            }
        };
    }
}
