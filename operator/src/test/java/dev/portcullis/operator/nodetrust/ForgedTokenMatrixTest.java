package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.ServiceSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.model.TokenIssuerModel;
import dev.portcullis.operator.nodetrust.RegistryClient.KeyAndChain;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.ClusterIssuerBuilder;
import io.fabric8.certmanager.api.model.v1.IssuerBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue #25, item 1: a token signed by any certificate the operator issues or mounts, with its
 * key and its {@code x5c} chain, is refused by a registry process configured exactly as the
 * operator configures it; only the token issuer's signing key is accepted. Two registries: one
 * with everything the bootstrap CA gives (MutualTLS with a user's client certificate, the probe's,
 * the nodes' for node trust, the token issuer's TLS), one whose TLS comes from a shared
 * ClusterIssuer that also gave another team a certificate.
 */
class ForgedTokenMatrixTest extends MockClusterTest {

  static final String NS = "forge";
  static final String SHARED_NS = "forge-shared";
  static final String OTHER_TEAM = "forge-other-team";
  static final String SHARED_CA = "forge-corp-ca";
  static final String VICTIM = "v2/victim/prod/blobs/uploads/";

  static SecureRegistry managedToken(SecureRegistry r) {
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    return r;
  }

  /**
   * A registry with every certificate the bootstrap CA can give it. Its server certificate names
   * localhost (the test's clients reach both registries there) through its node-trust NodePort:
   * spec.host localhost is corp's, and a host belongs to one registry only.
   */
  static SecureRegistry everything() {
    var r = managedToken(Registries.tls(Registries.basic(NS, "reg"), TlsSpec.Mode.MutualTLS));
    var ci = new TlsSpec.ClientCertificate();
    ci.name = "ci";
    r.getSpec().tls.clientCertificates = List.of(ci);
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().service = new ServiceSpec();
    r.getSpec().service.type = ServiceSpec.Type.NodePort;
    r.getSpec().service.nodePort = 30591;
    return r;
  }

  /** A registry whose TLS certificates come from a ClusterIssuer others use too. */
  static SecureRegistry sharedIssuer() {
    var r = managedToken(Registries.tls(Registries.basic(NS, "corp"), TlsSpec.Mode.TLS));
    r.getSpec().host = List.of("localhost");
    r.getSpec().tls.issuerRef = new TlsSpec.IssuerRef();
    r.getSpec().tls.issuerRef.name = SHARED_CA;
    r.getSpec().tls.issuerRef.kind = "ClusterIssuer";
    return r;
  }

  /** The shared CA: a self-signed CA in cert-manager's namespace behind a CA ClusterIssuer. */
  static void createSharedCa() {
    var client = cluster.client;
    client.resource(new IssuerBuilder().withNewMetadata().withName("selfsigned")
        .withNamespace("cert-manager").endMetadata()
        .withNewSpec().withNewSelfSigned().endSelfSigned().endSpec().build()).create();
    client.resource(new CertificateBuilder().withNewMetadata().withName(SHARED_CA)
        .withNamespace("cert-manager").endMetadata()
        .withNewSpec().withIsCA(true).withCommonName("Corp CA").withSecretName(SHARED_CA)
          .withNewIssuerRef().withName("selfsigned").withKind("Issuer").endIssuerRef()
        .endSpec().build()).create();
    client.resource(new ClusterIssuerBuilder().withNewMetadata().withName(SHARED_CA)
        .endMetadata().withNewSpec().withNewCa().withSecretName(SHARED_CA).endCa().endSpec()
        .build()).create();
    // what anyone allowed to use the ClusterIssuer can get: here, another team's server
    client.resource(new CertificateBuilder().withNewMetadata().withName("web")
        .withNamespace(OTHER_TEAM).endMetadata()
        .withNewSpec().withDnsNames("web.example").withSecretName("web")
          .withNewIssuerRef().withName(SHARED_CA).withKind("ClusterIssuer").endIssuerRef()
        .endSpec().build()).create();
  }

  @Test
  void onlyTheIssuersSigningKeyMintsTokens() throws Exception {
    createSharedCa();
    var reg = everything();
    var corp = sharedIssuer();
    cluster.client.resource(reg).create();
    cluster.client.resource(corp).create();

    List<String> regSecrets = List.of("reg-tls", "reg-auth-tls", "reg-client-ci",
        "reg-client-probe", "reg-client-nodes", "reg-token-signing");
    List<String> corpSecrets = List.of("corp-tls", "corp-auth-tls", "corp-token-signing");
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      for (String s : regSecrets) {
        assertThat(get(Secret.class, NS, s)).as(s).isNotNull();
      }
      for (String s : corpSecrets) {
        assertThat(get(Secret.class, NS, s)).as(s).isNotNull();
      }
      assertThat(get(Secret.class, OTHER_TEAM, "web")).isNotNull();
      assertThat(get(ConfigMap.class, NS, "reg-config")).isNotNull();
      assertThat(get(ConfigMap.class, NS, "corp-config")).isNotNull();
    });

    // every key the operator's certificates have, and the CAs' own that sign them
    var forgers = new ArrayList<KeyAndChain>();
    for (String s : regSecrets) {
      if (!s.equals("reg-token-signing")) {
        forgers.add(KeyAndChain.of(get(Secret.class, NS, s)));
      }
    }
    for (String s : corpSecrets) {
      if (!s.equals("corp-token-signing")) {
        forgers.add(KeyAndChain.of(get(Secret.class, NS, s)));
      }
    }
    forgers.add(KeyAndChain.of(get(Secret.class, OTHER_TEAM, "web")));
    forgers.add(KeyAndChain.of(get(Secret.class, NS, Names.CA_SECRET)));
    forgers.add(KeyAndChain.of(get(Secret.class, "cert-manager", SHARED_CA)));
    var regSigner = KeyAndChain.of(get(Secret.class, NS, "reg-token-signing"));
    var corpSigner = KeyAndChain.of(get(Secret.class, NS, "corp-token-signing"));

    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar), "needs the registry jar");
    int regPort = Tools.freePortIn(30200, 32700);
    int corpPort = Tools.freePortIn(30200, 32700);
    try (var regProcess = startRegistry(jar, reg, regPort);
        var corpProcess = startRegistry(jar, corp, corpPort)) {
      var regClient = new RegistryClient(URI.create("https://localhost:" + regPort + "/"),
          RegistryClient.value(get(Secret.class, NS, "reg-tls"), "ca.crt"),
          KeyAndChain.of(get(Secret.class, NS, "reg-client-ci")));
      var corpClient = new RegistryClient(URI.create("https://localhost:" + corpPort + "/"),
          RegistryClient.value(get(Secret.class, NS, "corp-tls"), "ca.crt"), null);
      java.util.function.Supplier<String> logs = () -> "\nreg:\n" + regProcess.output()
          + "\ncorp:\n" + corpProcess.output();

      var accepted = new ArrayList<String>();
      var everyForger = new ArrayList<>(forgers);
      everyForger.add(corpSigner);
      for (KeyAndChain forger : everyForger) {
        accepted.addAll(attempts(regClient, reg, forger));
      }
      everyForger.remove(corpSigner);
      everyForger.add(regSigner);
      for (KeyAndChain forger : everyForger) {
        accepted.addAll(attempts(corpClient, corp, forger));
      }
      assertThat(accepted).as(() -> "forged tokens accepted" + logs.get()).isEmpty();

      // the issuer's own key is what the registry accepts: the matrix is not refusing everything
      assertThat(attempts(regClient, reg, regSigner)).as(logs).hasSize(2);
      assertThat(attempts(corpClient, corp, corpSigner)).as(logs).hasSize(2);
    }
  }

  /**
   * A catalog read and a push to someone else's repository, with a token signed by
   * {@code signer} for the registry's issuer and audience: the attempts that got through.
   */
  static List<String> attempts(RegistryClient client, SecureRegistry r, KeyAndChain signer)
      throws Exception {
    String token = RegistryClient.token(signer, TokenIssuerModel.issuer(r),
        Names.service(r) + "." + r.getMetadata().getNamespace() + ".svc", Duration.ofMinutes(5),
        "registry:catalog:*", "repository:victim/prod:pull,push,delete");
    var through = new ArrayList<String>();
    int catalog = client.get("v2/_catalog", token);
    if (catalog != 401) {
      through.add(signer.name() + " -> " + r.getMetadata().getName() + " catalog " + catalog);
    }
    int push = client.post(VICTIM, token);
    if (push != 401) {
      through.add(signer.name() + " -> " + r.getMetadata().getName() + " push " + push);
    }
    return through;
  }

  /** The registry jar with the operator's config.yml and the Secrets its pod would mount. */
  Tools.Running startRegistry(Path jar, SecureRegistry r, int port) throws Exception {
    String name = r.getMetadata().getName();
    Path folder = Files.createDirectories(dir.resolve(name));
    Path tls = Tools.writeSecret(get(Secret.class, NS, Names.tlsSecret(r)), folder.resolve("tls"));
    // the token volume projects ca.crt of the signing Secret, nothing else
    Path token = Files.createDirectories(folder.resolve("token"));
    Files.writeString(token.resolve("ca.crt"), RegistryClient.value(
        get(Secret.class, NS, Names.tokenSigning(r)), "ca.crt"));
    Path config = folder.resolve("config.yml");
    int debug = Tools.writeRegistryConfig(get(ConfigMap.class, NS, Names.configMap(r)).getData()
        .get(RegistryConfig.KEY), Map.of(RegistryConfig.TLS_DIR, tls, RegistryConfig.TOKEN_DIR,
        token, RegistryConfig.DATA_DIR, folder.resolve("data")), port, config);
    var process = Tools.start(folder.resolve("registry.log"), "java", "-Xmx128m", "-jar",
        jar.toString(), "serve", config.toString());
    try {
      Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", process);
    } catch (Throwable t) {
      process.close();
      throw t;
    }
    return process;
  }
}
