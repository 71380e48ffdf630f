package dev.portcullis.registry.authserver;

import dev.portcullis.registry.auth.token.PemFiles;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * A TLS client that trusts only the CA certificates of one PEM file: a provider with a private CA is trusted for
 * itself alone, not added to what every other connection of the issuer trusts.
 */
final class CaTrust {
    private CaTrust() {
    }

    /** The socket factory trusting {@code pemFile}; a ConfigException naming {@code key} when it is unusable. */
    static SSLSocketFactory socketFactory(Path pemFile, String key) throws ConfigException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (var c : PemFiles.readCertificates(pemFile)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new ConfigException(key, pemFile + " holds no PEM certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + pemFile + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new ConfigException(key, "cannot load " + pemFile + ": " + e.getMessage());
        }
    }
}
