package dev.portcullis.operator.testsupport;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed TLS server certificate for a server of the test that listens on the host and is
 * reached by IP address: from the host on 127.0.0.1, and from pods in containers mode on the
 * node's gateway address through a {@code HostRelay} (bytes relayed unchanged, so the handshake
 * is the server's and the certificate must name the address the pod dialled). Clients trust
 * {@link #pem()} itself, as a user puts a private server's CA in a Secret.
 */
public final class HostServerCertificate {

  private static final char[] PASSWORD = "test-only".toCharArray();

  private final KeyStore keyStore;
  private final X509Certificate certificate;

  private HostServerCertificate(KeyStore keyStore, X509Certificate certificate) {
    this.keyStore = keyStore;
    this.certificate = certificate;
  }

  /** A certificate naming each of {@code addresses} (IP subject alternative names). */
  public static HostServerCertificate forAddresses(List<InetAddress> addresses) throws Exception {
    var gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    KeyPair pair = gen.generateKeyPair();
    X500Name name = new X500Name("CN=" + addresses.get(0).getHostAddress());
    Instant now = Instant.now();
    var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name,
        pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
        addresses.stream().map(a -> new GeneralName(GeneralName.iPAddress, a.getHostAddress()))
            .toArray(GeneralName[]::new)));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", pair.getPrivate(), PASSWORD, new Certificate[] {cert});
    return new HostServerCertificate(ks, cert);
  }

  /** The key and certificate, alias {@code server}, key password {@link #password()}. */
  public KeyStore keyStore() {
    return keyStore;
  }

  public String password() {
    return new String(PASSWORD);
  }

  /** The certificate in PEM: what clients (and the CA Secret a sample references) trust. */
  public String pem() throws Exception {
    return FakeCertManager.pem(certificate);
  }
}
