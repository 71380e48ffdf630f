package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.certmanager.api.model.v1.IssuerBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The managed token issuer's own CA, one per registry: a SelfSigned Issuer, a CA Certificate and a
 * CA Issuer that signs the token-signing Certificate and nothing else. The registry's
 * {@code auth.token.rootcertbundle} is this CA, so no other certificate (server, issuer TLS,
 * probe, nodes, users' clients, anything from a shared {@code tls.issuerRef}) chains to it and can
 * sign tokens. It is independent of {@code tls.issuerRef} on purpose: a shared ClusterIssuer
 * hands certificates to whoever may ask it.
 *
 * <p>The CA's key is never rotated by a renewal (rotationPolicy Never): the signing certificates
 * it issued before a renewal still chain to it, so tokens keep verifying. The signing
 * certificate's key rotates at every renewal; the old one stays valid until its notAfter, far
 * longer than any token lives, which is the overlap a rotation needs.
 */
public final class TokenSigningCa {

  /** What the registry accepts as a token's lifetime at most, unless the spec's is longer. */
  public static final String MAX_TOKEN_LIFETIME = "1h";

  private TokenSigningCa() {}

  public static Issuer selfSignedIssuer(SecureRegistry r) {
    return new IssuerBuilder()
        .withMetadata(Meta.of(r, Names.tokenCaSelfSigned(r)))
        .withNewSpec().withNewSelfSigned().endSelfSigned().endSpec()
        .build();
  }

  public static Certificate caCertificate(SecureRegistry r) {
    return new CertificateBuilder()
        .withMetadata(Meta.of(r, Names.tokenCa(r)))
        .withNewSpec()
          .withIsCA(true)
          .withCommonName(Names.tokenCa(r))
          .withSecretName(Names.tokenCa(r))
          .withDuration(CertificateModel.duration(CertificateModel.CA_DURATION))
          .withUsages(CertificateModel.CA_USAGES)
          .withNewPrivateKey().withAlgorithm("ECDSA").withSize(256).withRotationPolicy("Never")
          .endPrivateKey()
          .withNewIssuerRef().withName(Names.tokenCaSelfSigned(r)).withKind("Issuer")
            .withGroup(CertificateModel.CERT_MANAGER_GROUP)
          .endIssuerRef()
          .withNewSecretTemplate().withLabels(Names.labels(r)).endSecretTemplate()
        .endSpec()
        .build();
  }

  public static Issuer caIssuer(SecureRegistry r) {
    return new IssuerBuilder()
        .withMetadata(Meta.of(r, Names.tokenCa(r)))
        .withNewSpec().withNewCa().withSecretName(Names.tokenCa(r)).endCa().endSpec()
        .build();
  }

  /**
   * The token CA the registry trusts, for {@link DeploymentModel#TOKEN_CA_ANNOTATION}: the
   * SHA-256 of the signing Secret's {@code ca.crt}, or null while cert-manager has not written it.
   */
  public static String trustFingerprint(Secret signing) {
    return fingerprint(signing, "ca.crt");
  }

  /** SHA-256 (first 16 bytes, hex) of a Secret's key, or null when it has none: public parts only. */
  static String fingerprint(Secret s, String key) {
    if (s == null || s.getData() == null || s.getData().get(key) == null) {
      return null;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(Base64.getDecoder().decode(s.getData().get(key)));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The Issuers: the SelfSigned one first, since the CA Issuer needs its certificate. */
  public static List<Issuer> issuers(SecureRegistry r) {
    return List.of(selfSignedIssuer(r), caIssuer(r));
  }

  /**
   * The certificate the issuer signs tokens with: named for that purpose (the registry's
   * {@code auth.token.signers}) and good for signatures only, neither a TLS server nor a client.
   */
  public static Certificate signingCertificate(SecureRegistry r) {
    return new CertificateBuilder()
        .withMetadata(Meta.of(r, Names.tokenSigning(r)))
        .withNewSpec()
          .withSecretName(Names.tokenSigning(r))
          .withCommonName(Names.tokenSigner(r))
          .withUsages("digital signature")
          .withNewPrivateKey().withAlgorithm("ECDSA").withSize(256).withRotationPolicy("Always")
            .withEncoding("PKCS8").endPrivateKey()
          .withNewIssuerRef().withName(Names.tokenCa(r)).withKind("Issuer")
            .withGroup(CertificateModel.CERT_MANAGER_GROUP)
          .endIssuerRef()
          .withNewSecretTemplate().withLabels(Names.labels(r)).endSecretTemplate()
        .endSpec()
        .build();
  }
}
