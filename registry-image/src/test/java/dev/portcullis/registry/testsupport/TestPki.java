package dev.portcullis.registry.testsupport;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A throw-away PKI for tests: one CA, and leaf certificates it signs (TLS servers for 127.0.0.1/localhost, token
 * signing certificates), written as PEM files. Keys are EC P-256 unless RSA is asked for (RSA keys take longer to make).
 */
public final class TestPki {
    public enum Alg { EC, RSA }

    /** A certificate and its key on disk, plus the objects. */
    public record Issued(Path cert, Path key, X509Certificate certificate, KeyPair keyPair) {
    }

    private final KeyPair caKey;
    private final X509Certificate caCert;
    private final Path caFile;
    private long serial = 2;

    public TestPki(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        caKey = keyPair(Alg.EC);
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, caKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        caCert = convert(b.build(signer(caKey)));
        caFile = dir.resolve(name + "-ca.crt");
        Files.writeString(caFile, pem(caCert));
    }

    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCert() {
        return caCert;
    }

    /** The CA's own key pair: what an attacker would need to mint anything (tests that it cannot sign tokens). */
    public KeyPair caKeyPair() {
        return caKey;
    }

    /** A TLS server certificate for 127.0.0.1 and localhost. */
    public Issued server(Path dir, String name) throws Exception {
        return issue(dir, name, Alg.EC, true, Instant.now().plus(Duration.ofDays(1)));
    }

    /** A token signing certificate: digitalSignature, no extended key usage (Distribution checks the chain with Go's defaults). */
    public Issued signing(Path dir, String name, Alg alg) throws Exception {
        return issue(dir, name, alg, false, Instant.now().plus(Duration.ofDays(1)));
    }

    public Issued issue(Path dir, String name, Alg alg, boolean tlsServer, Instant notAfter) throws Exception {
        return issue(dir, name, alg, tlsServer ? Purpose.TLS_SERVER : Purpose.TOKEN_SIGNING, notAfter);
    }

    /** What a certificate is for, as the extensions cert-manager writes for its {@code usages} say it. */
    public enum Purpose {
        /** serverAuth EKU, SANs 127.0.0.1 and localhost. */
        TLS_SERVER,
        /** clientAuth EKU. */
        TLS_CLIENT,
        /** digitalSignature, no EKU: a token signer. */
        TOKEN_SIGNING,
        /** cert-manager's default usages (digital signature, key encipherment), no EKU. */
        CERT_MANAGER_DEFAULT,
        /** An intermediate CA (cA=true, keyCertSign, digitalSignature). */
        INTERMEDIATE_CA
    }

    public Issued issue(Path dir, String name, Alg alg, Purpose purpose, Instant notAfter) throws Exception {
        KeyPair kp = keyPair(alg);
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, BigInteger.valueOf(serial++),
                Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(notAfter), new X500Name("CN=" + name), kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(purpose == Purpose.INTERMEDIATE_CA));
        switch (purpose) {
            case TLS_SERVER -> {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
            }
            case TLS_CLIENT -> {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            case TOKEN_SIGNING -> b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            case CERT_MANAGER_DEFAULT -> b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            case INTERMEDIATE_CA -> b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        }
        X509Certificate cert = convert(b.build(signer(caKey)));
        Files.createDirectories(dir);
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pkcs8(kp.getPrivate()));
        return new Issued(certFile, keyFile, cert, kp);
    }

    public static KeyPair keyPair(Alg alg) throws Exception {
        if (alg == Alg.RSA) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, new SecureRandom());
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    /** PKCS#8 PEM ("PRIVATE KEY"). BouncyCastle's writer would turn an EC key into SEC1 without its curve. */
    public static String pkcs8(java.security.PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** PEM of a certificate, or of an RSA key pair as PKCS#1 ("RSA PRIVATE KEY"). */
    public static String pem(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    private static ContentSigner signer(KeyPair kp) throws Exception {
        return new JcaContentSignerBuilder(kp.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA").build(kp.getPrivate());
    }

    private static X509Certificate convert(X509CertificateHolder h) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(h);
    }
}
