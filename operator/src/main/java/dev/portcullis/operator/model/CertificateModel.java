package dev.portcullis.operator.model;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.certmanager.api.model.v1.IssuerBuilder;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * cert-manager objects. Without {@code tls.issuerRef} the operator bootstraps one CA per
 * namespace (SelfSigned Issuer -> CA Certificate -> CA Issuer), shared by the namespace's
 * registries so that clients trust one CA per namespace; the server Certificate is per registry.
 */
public final class CertificateModel {

  public static final String CERT_MANAGER_GROUP = "cert-manager.io";
  /** The bootstrap CA lives long: replacing it means every client re-trusts. */
  static final String CA_DURATION = "87600h";

  /*
   * Each certificate has exactly one purpose. Without usages cert-manager issues digital
   * signature + key encipherment and no extended key usage, which X.509 reads as "any purpose":
   * a server certificate would pass as a client's and the other way round.
   */
  /** A CA signs certificates and revocation lists, nothing else. */
  static final String[] CA_USAGES = {"cert sign", "crl sign"};
  /** A TLS server: the registry, the token issuer. */
  public static final String[] SERVER_USAGES = {"server auth", "digital signature",
      "key encipherment"};
  /** A TLS client: the users' certificates, the nodes', the operator's probe. */
  public static final String[] CLIENT_USAGES = {"client auth", "digital signature"};

  private CertificateModel() {}

  public static Issuer selfSignedIssuer(String namespace) {
    return new IssuerBuilder()
        .withMetadata(sharedMeta(Names.SELF_SIGNED_ISSUER, namespace))
        .withNewSpec().withNewSelfSigned().endSelfSigned().endSpec()
        .build();
  }

  public static Certificate caCertificate(String namespace) {
    return new CertificateBuilder()
        .withMetadata(sharedMeta(Names.CA_CERTIFICATE, namespace))
        .withNewSpec()
          .withIsCA(true)
          .withCommonName("Portcullis CA " + namespace)
          .withSecretName(Names.CA_SECRET)
          .withDuration(duration(CA_DURATION))
          .withUsages(CA_USAGES)
          // a renewal keeps the key: what the CA signed, and every client's trust, stay valid
          .withNewPrivateKey().withAlgorithm("ECDSA").withSize(256).withRotationPolicy("Never")
          .endPrivateKey()
          .withNewIssuerRef()
            .withName(Names.SELF_SIGNED_ISSUER).withKind("Issuer").withGroup(CERT_MANAGER_GROUP)
          .endIssuerRef()
          .withNewSecretTemplate().withLabels(Names.sharedLabels()).endSecretTemplate()
        .endSpec()
        .build();
  }

  public static Issuer caIssuer(String namespace) {
    return new IssuerBuilder()
        .withMetadata(sharedMeta(Names.CA_ISSUER, namespace))
        .withNewSpec().withNewCa().withSecretName(Names.CA_SECRET).endCa().endSpec()
        .build();
  }

  /** The DNS names clients may use: the Service's in-cluster names, then the user's hosts. */
  public static List<String> dnsNames(SecureRegistry r) {
    String svc = Names.service(r);
    String ns = r.getMetadata().getNamespace();
    var names = new ArrayList<String>();
    names.add(svc);
    names.add(svc + "." + ns);
    names.add(svc + "." + ns + ".svc");
    names.add(svc + "." + ns + ".svc.cluster.local");
    for (String h : r.getSpec().effectiveHosts()) {
      if (!names.contains(h)) {
        names.add(h);
      }
    }
    // nodes reach a NodePort on their own loopback: the node agent lists localhost:<nodePort>
    if (NodeTrustModel.nodePort(r).isPresent() && !names.contains("localhost")) {
      names.add("localhost");
    }
    return names;
  }

  /** The identities of the operator's own client certificates; the registry lets them only pull. */
  public static final String NODES_COMMON_NAME = "system:nodes";
  public static final String PROBE_COMMON_NAME = "portcullis-operator-probe";

  /**
   * The client certificates of a MutualTLS registry: the user's, then the nodes' when node trust is
   * on. Empty in the other modes (a client certificate means nothing to a registry that asks for none).
   */
  public static List<TlsSpec.ClientCertificate> clientCertificates(SecureRegistry r) {
    TlsSpec tls = r.getSpec().effectiveTls();
    if (tls.effectiveMode() != TlsSpec.Mode.MutualTLS) {
      return List.of();
    }
    var out = new ArrayList<>(tls.effectiveClientCertificates());
    var probe = new TlsSpec.ClientCertificate();
    probe.name = Names.PROBE_CLIENT;
    probe.commonName = PROBE_COMMON_NAME;
    out.add(probe);
    if (r.getSpec().effectiveNodeTrust().effectiveEnabled()) {
      var nodes = new TlsSpec.ClientCertificate();
      nodes.name = Names.NODES_CLIENT;
      nodes.commonName = NODES_COMMON_NAME;
      out.add(nodes);
    }
    return out;
  }

  /** A client certificate, signed by the issuer that signs the server's (whose CA the registry asks for). */
  public static Certificate clientCertificate(SecureRegistry r, TlsSpec.ClientCertificate c) {
    TlsSpec tls = r.getSpec().effectiveTls();
    String issuerName = Names.CA_ISSUER;
    String issuerKind = "Issuer";
    String issuerGroup = CERT_MANAGER_GROUP;
    if (tls.issuerRef != null) {
      issuerName = tls.issuerRef.name;
      issuerKind = tls.issuerRef.effectiveKind();
      issuerGroup = tls.issuerRef.effectiveGroup();
    }
    String name = Names.clientCertificate(r, c.name);
    return new CertificateBuilder()
        .withMetadata(Meta.of(r, name))
        .withNewSpec()
          .withSecretName(name)
          .withCommonName(c.commonName == null ? c.name : c.commonName)
          .withDuration(c.duration == null ? null : duration(c.duration))
          .withRenewBefore(c.renewBefore == null ? null : duration(c.renewBefore))
          .withUsages(CLIENT_USAGES)
          .withNewPrivateKey().withAlgorithm("ECDSA").withSize(256).withRotationPolicy("Always")
            .withEncoding("PKCS8")
          .endPrivateKey()
          .withNewIssuerRef().withName(issuerName).withKind(issuerKind).withGroup(issuerGroup)
          .endIssuerRef()
          .withNewSecretTemplate().withLabels(Names.labels(r)).endSecretTemplate()
        .endSpec()
        .build();
  }

  public static Certificate serverCertificate(SecureRegistry r) {
    TlsSpec tls = r.getSpec().effectiveTls();
    String issuerName = Names.CA_ISSUER;
    String issuerKind = "Issuer";
    String issuerGroup = CERT_MANAGER_GROUP;
    if (tls.issuerRef != null) {
      issuerName = tls.issuerRef.name;
      issuerKind = tls.issuerRef.effectiveKind();
      issuerGroup = tls.issuerRef.effectiveGroup();
    }
    List<String> dnsNames = dnsNames(r);
    // Let's Encrypt refuses in-cluster names: with the user's issuer and hosts, only the hosts.
    if (tls.issuerRef != null && !r.getSpec().effectiveHosts().isEmpty()) {
      dnsNames = r.getSpec().effectiveHosts();
    }
    var labels = Names.labels(r);
    return new CertificateBuilder()
        .withMetadata(Meta.of(r, Names.serverCertificate(r)))
        .withNewSpec()
          .withSecretName(Names.tlsSecret(r))
          .withDnsNames(dnsNames)
          .withDuration(tls.duration == null ? null : duration(tls.duration))
          .withRenewBefore(tls.renewBefore == null ? null : duration(tls.renewBefore))
          .withUsages(SERVER_USAGES)
          .withNewPrivateKey().withAlgorithm("ECDSA").withSize(256).withRotationPolicy("Always")
          .endPrivateKey()
          .withNewIssuerRef().withName(issuerName).withKind(issuerKind).withGroup(issuerGroup)
          .endIssuerRef()
          // the labels let the operator's Secret informer see renewals and read ca.crt
          .withNewSecretTemplate().withLabels(labels).endSecretTemplate()
        .endSpec()
        .build();
  }

  static Duration duration(String text) {
    return GoDuration.parse(text);
  }

  private static io.fabric8.kubernetes.api.model.ObjectMeta sharedMeta(String name, String ns) {
    return new ObjectMetaBuilder()
        .withName(name).withNamespace(ns).withLabels(Names.sharedLabels()).build();
  }
}
