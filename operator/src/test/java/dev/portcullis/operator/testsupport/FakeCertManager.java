package dev.portcullis.operator.testsupport;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateConditionBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateStatusBuilder;
import io.fabric8.certmanager.api.model.v1.ClusterIssuer;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.certmanager.api.model.v1.IssuerSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Plays cert-manager against the mock API server: for each Certificate whose issuer chain can
 * sign (SelfSigned, or CA with its Secret present) it writes a real {@code kubernetes.io/tls}
 * Secret (tls.crt, tls.key, ca.crt) signed with BouncyCastle, and marks the Certificate Ready.
 * It polls instead of watching: simpler, and a test's eventual assertions poll anyway.
 */
public final class FakeCertManager implements AutoCloseable {

  static final String SPEC_HASH = "test.portcullis.dev/issued-for";
  static final String CERT_NAME = "cert-manager.io/certificate-name";

  private final KubernetesClient client;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    var t = new Thread(r, "fake-cert-manager");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> renewals = ConcurrentHashMap.newKeySet();
  private final AtomicLong serial = new AtomicLong(System.nanoTime());
  private volatile Throwable lastError;

  public FakeCertManager(KubernetesClient client) {
    this.client = client;
  }

  public FakeCertManager start() {
    loop.scheduleWithFixedDelay(this::syncQuietly, 0, 100, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Re-issue a Certificate as cert-manager does before expiry: new key, new serial, same CA. */
  public void renew(String namespace, String certificate) {
    renewals.add(namespace + "/" + certificate);
  }

  public Throwable lastError() {
    return lastError;
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }

  private void syncQuietly() {
    try {
      sync();
    } catch (Throwable t) {
      if (loop.isShutdown()) {
        return;
      }
      if (lastError == null || !lastError.toString().equals(t.toString())) {
        System.err.println("fake cert-manager: " + t);
        t.printStackTrace();
      }
      lastError = t;
    }
  }

  void sync() throws Exception {
    for (Issuer issuer : client.resources(Issuer.class).inAnyNamespace().list().getItems()) {
      markIssuerReady(issuer);
    }
    for (Certificate cert : client.resources(Certificate.class).inAnyNamespace().list().getItems()) {
      String ns = cert.getMetadata().getNamespace();
      String key = ns + "/" + cert.getMetadata().getName();
      Secret existing = client.secrets().inNamespace(ns)
          .withName(cert.getSpec().getSecretName()).get();
      String issuedFor = issuedFor(cert);
      boolean current = existing != null && existing.getMetadata().getAnnotations() != null
          && issuedFor.equals(existing.getMetadata().getAnnotations().get(SPEC_HASH));
      if (current && !renewals.contains(key)) {
        markReady(cert);
        continue;
      }
      Signer signer = signerFor(cert);
      if (signer == null) {
        continue; // issuer or its CA Secret not there yet: cert-manager would wait too
      }
      writeSecret(cert, signer, issuedFor, existing);
      renewals.remove(key);
      markReady(cert);
    }
  }

  private static String issuedFor(Certificate cert) {
    var s = cert.getSpec();
    return Integer.toHexString(Objects.hash(s.getDnsNames(), s.getIsCA(), s.getCommonName(),
        s.getIssuerRef().getName(), s.getIssuerRef().getKind()));
  }

  /** The key and certificate that sign for this Certificate's issuer; null for self-signed. */
  private record Signer(boolean selfSigned, PrivateKey key, X509Certificate cert,
      boolean publicRoot) {
    Signer(boolean selfSigned, PrivateKey key, X509Certificate cert) {
      this(selfSigned, key, cert, false);
    }
  }

  private Signer publicRoot;

  /** The root of the ACME issuers' chains: what a client's system trust store would hold. */
  public synchronized String publicRootPem() throws Exception {
    return pem(publicRoot().cert());
  }

  private synchronized Signer publicRoot() throws Exception {
    if (publicRoot == null) {
      var gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = gen.generateKeyPair();
      X500Name name = new X500Name("CN=Fake Public Root X1, O=Test ACME");
      Instant now = Instant.now();
      var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(serial.incrementAndGet()),
          Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(3650))), name,
          pair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
      publicRoot = new Signer(false, pair.getPrivate(), cert, true);
    }
    return publicRoot;
  }

  private Signer signerFor(Certificate cert) throws Exception {
    var ref = cert.getSpec().getIssuerRef();
    String ns = cert.getMetadata().getNamespace();
    IssuerSpec spec;
    String caNamespace = ns;
    if ("ClusterIssuer".equals(ref.getKind())) {
      ClusterIssuer issuer = client.resources(ClusterIssuer.class).withName(ref.getName()).get();
      spec = issuer == null ? null : issuer.getSpec();
      caNamespace = "cert-manager";
    } else {
      Issuer issuer = client.resources(Issuer.class).inNamespace(ns).withName(ref.getName()).get();
      spec = issuer == null ? null : issuer.getSpec();
    }
    if (spec == null) {
      return null;
    }
    if (spec.getSelfSigned() != null) {
      return new Signer(true, null, null);
    }
    if (spec.getAcme() != null) {
      // an ACME server (Let's Encrypt): the challenge is taken as solved, the chain ends in a
      // public root that clients already trust, and no ca.crt is written (as cert-manager does)
      return publicRoot();
    }
    if (spec.getCa() != null) {
      Secret ca = client.secrets().inNamespace(caNamespace).withName(spec.getCa().getSecretName())
          .get();
      if (ca == null) {
        return null;
      }
      return new Signer(false, readKey(decode(ca, "tls.key")), readCert(decode(ca, "tls.crt")));
    }
    return null;
  }

  private static int keyUsage(List<String> usages) {
    int bits = 0;
    if (usages.contains("digital signature")) {
      bits |= KeyUsage.digitalSignature;
    }
    if (usages.contains("key encipherment")) {
      bits |= KeyUsage.keyEncipherment;
    }
    return bits == 0 ? KeyUsage.digitalSignature : bits;
  }

  private void writeSecret(Certificate cert, Signer signer, String issuedFor, Secret existing)
      throws Exception {
    var gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    KeyPair pair = gen.generateKeyPair();
    var spec = cert.getSpec();
    List<String> dns = spec.getDnsNames() == null ? List.of() : spec.getDnsNames();
    String cn = spec.getCommonName() != null ? spec.getCommonName()
        : dns.isEmpty() ? cert.getMetadata().getName() : dns.get(0);
    X500Name subject = new X500Name("CN=" + cn);
    X500Name issuerName = signer.selfSigned() ? subject
        : X500Name.getInstance(signer.cert().getSubjectX500Principal().getEncoded());
    Instant now = Instant.now();
    var builder = new JcaX509v3CertificateBuilder(issuerName,
        BigInteger.valueOf(serial.incrementAndGet()), Date.from(now.minusSeconds(60)),
        Date.from(now.plus(Duration.ofDays(90))), subject, pair.getPublic());
    boolean isCA = Boolean.TRUE.equals(spec.getIsCA());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCA));
    List<String> usages = spec.getUsages() == null || spec.getUsages().isEmpty()
        ? List.of("digital signature", "key encipherment") : spec.getUsages();
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(isCA
        ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
        : keyUsage(usages)));
    // As cert-manager does: "server auth" and "client auth" become the extended key usage a
    // registry checks (a client certificate without clientAuth is refused).
    List<KeyPurposeId> purposes = new java.util.ArrayList<>();
    if (usages.contains("server auth")) {
      purposes.add(KeyPurposeId.id_kp_serverAuth);
    }
    if (usages.contains("client auth")) {
      purposes.add(KeyPurposeId.id_kp_clientAuth);
    }
    if (!isCA && !purposes.isEmpty()) {
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
    }
    if (!dns.isEmpty()) {
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          dns.stream().map(d -> new GeneralName(GeneralName.dNSName, d))
              .toArray(GeneralName[]::new)));
    }
    PrivateKey signingKey = signer.selfSigned() ? pair.getPrivate() : signer.key();
    X509Certificate issued = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey)));
    X509Certificate ca = signer.selfSigned() ? issued : signer.cert();

    var data = new LinkedHashMap<String, String>();
    data.put("tls.crt", encode(pem(issued)));
    // PKCS#8 ("PRIVATE KEY"), as cert-manager writes with privateKey.encoding PKCS8
    data.put("tls.key", encode(pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(
        pair.getPrivate(), null).generate())));
    if (!signer.publicRoot()) {
      data.put("ca.crt", encode(pem(ca)));
    }
    var labels = spec.getSecretTemplate() == null || spec.getSecretTemplate().getLabels() == null
        ? Map.<String, String>of() : spec.getSecretTemplate().getLabels();
    Secret secret = new SecretBuilder()
        .withNewMetadata()
          .withName(spec.getSecretName())
          .withNamespace(cert.getMetadata().getNamespace())
          .withLabels(labels)
          .withAnnotations(Map.of(SPEC_HASH, issuedFor, CERT_NAME, cert.getMetadata().getName()))
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(data)
        .build();
    if (existing == null) {
      client.resource(secret).create();
    } else {
      secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.resource(secret).update();
    }
  }

  private void markReady(Certificate cert) {
    var conditions = cert.getStatus() == null ? null : cert.getStatus().getConditions();
    boolean ready = conditions != null && conditions.stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (ready) {
      return;
    }
    cert.setStatus(new CertificateStatusBuilder()
        .withConditions(new CertificateConditionBuilder().withType("Ready").withStatus("True")
            .withReason("Ready").withMessage("Certificate is up to date and has not expired")
            .build())
        .build());
    client.resource(cert).updateStatus();
  }

  /** An Issuer is Ready when it can sign: SelfSigned always, CA once its Secret exists. */
  private void markIssuerReady(Issuer issuer) {
    var spec = issuer.getSpec();
    boolean canSign = spec.getSelfSigned() != null || (spec.getCa() != null
        && client.secrets().inNamespace(issuer.getMetadata().getNamespace())
            .withName(spec.getCa().getSecretName()).get() != null);
    var conditions = issuer.getStatus() == null ? null : issuer.getStatus().getConditions();
    boolean ready = conditions != null && conditions.stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (!canSign || ready) {
      return;
    }
    issuer.setStatus(new io.fabric8.certmanager.api.model.v1.IssuerStatusBuilder()
        .withConditions(new io.fabric8.certmanager.api.model.v1.IssuerConditionBuilder()
            .withType("Ready").withStatus("True").withReason("Ready").withMessage("Signing")
            .build())
        .build());
    client.resource(issuer).updateStatus();
  }

  private static String decode(Secret s, String key) {
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  private static String encode(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
  }

  static String pem(Object o) throws Exception {
    var out = new StringWriter();
    try (var w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  static PrivateKey readKey(String pem) throws Exception {
    try (var p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      var conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return conv.getPrivateKey(kp.getPrivateKeyInfo());
      }
      return conv.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) o);
    }
  }

  public static X509Certificate readCert(String pem) throws Exception {
    try (var p = new PEMParser(new StringReader(pem))) {
      var holder = (org.bouncycastle.cert.X509CertificateHolder) p.readObject();
      return new JcaX509CertificateConverter().getCertificate(holder);
    }
  }
}
