import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Writes Java's CA trust store (/etc/ssl/certs/java/cacerts) from the PEM bundle made from Debian's
 * ca-certificates package, the job ca-certificates-java's install script does on a Debian machine.
 * The store is a PKCS#12 file without a password, as the JDK's own cacerts is: no encryption and no
 * MAC, hence no random salt, so the same bundle gives the same bytes (the image's digest depends on
 * it). Aliases are the certificates' SHA-256 fingerprints, which are stable and unique.
 *
 * <p>usage: java TrustStore.java BUNDLE.pem OUT (run by build-image.sh with the build's JDK)
 */
public final class TrustStore {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java TrustStore.java BUNDLE.pem OUT");
            System.exit(2);
        }
        // Read by the PKCS12 implementation when it stores: no password, so nothing to protect with.
        System.setProperty("keystore.pkcs12.certProtectionAlgorithm", "NONE");
        System.setProperty("keystore.pkcs12.macAlgorithm", "NONE");
        Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(Path.of(args[0]))));
        if (certs.isEmpty()) {
            System.err.println("TrustStore: no certificate in " + args[0]);
            System.exit(1);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (Certificate cert : certs) {
            String alias = HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())).toLowerCase(Locale.ROOT);
            store.setCertificateEntry(alias, cert);
        }
        try (OutputStream out = Files.newOutputStream(Path.of(args[1]))) {
            store.store(out, null);
        }
        System.out.println(certs.size() + " certificates in " + args[1]);
    }
}
