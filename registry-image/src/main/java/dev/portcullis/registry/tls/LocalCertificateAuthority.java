package dev.portcullis.registry.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority held in memory (BouncyCastle): it signs the embedded default's server certificate, and
 * the tests' server and client certificates. Keys are EC P-256, which every registry client accepts.
 */
public final class LocalCertificateAuthority {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private LocalCertificateAuthority(String name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A PEM certificate and key written to files. */
    public record Issued(Path certificate, Path key, X509Certificate x509) {}

    public static LocalCertificateAuthority create(String name) {
        return create(name, Duration.ofDays(2));
    }

    public static LocalCertificateAuthority create(String name, Duration validity) {
        try {
            KeyPair keys = ecKeys();
            X500Name subject = new X500Name("CN=" + name);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(validity)), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            return new LocalCertificateAuthority(name, keys, sign(b, keys.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create a certificate authority", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public Path writeCertificate(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, pem(certificate));
        return file;
    }

    /** A server certificate for 127.0.0.1 and localhost (Go clients ignore the CN: the names must be SANs). */
    public Issued issueServer(Path dir, String fileBase) {
        return issue(dir, fileBase, "127.0.0.1", Duration.ofDays(1), true, List.of("127.0.0.1", "localhost"));
    }

    public Issued issueClient(Path dir, String fileBase, String commonName) {
        return issue(dir, fileBase, commonName, Duration.ofDays(1), false, List.of());
    }

    public Issued issue(Path dir, String fileBase, String commonName, Duration validity, boolean server, List<String> names) {
        return issue(dir, fileBase, commonName, Instant.now().minusSeconds(60), validity, server, names);
    }

    public Issued issue(Path dir, String fileBase, String commonName, Instant notBefore, Duration validity, boolean server,
                        List<String> names) {
        try {
            KeyPair leaf = ecKeys();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), serial(),
                    Date.from(notBefore), Date.from(notBefore.plus(validity)), new X500Name("CN=" + commonName),
                    leaf.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            if (!names.isEmpty()) {
                List<GeneralName> sans = new ArrayList<>();
                for (String n : names) {
                    sans.add(new GeneralName(n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = sign(b, keys.getPrivate());
            Files.createDirectories(dir);
            Path certFile = dir.resolve(fileBase + ".crt");
            Path keyFile = dir.resolve(fileBase + ".key");
            Files.writeString(certFile, pem(cert));
            Files.writeString(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(leaf.getPrivate(), null)));
            restrictToOwner(keyFile);
            return new Issued(certFile, keyFile, cert);
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a certificate", e);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX filesystem: nothing finer to set.
        }
    }

    private static KeyPair ecKeys() throws java.security.GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    public static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
