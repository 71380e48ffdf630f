package dev.portcullis.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.api.NodeTrustSpec;
import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Every certificate the operator asks cert-manager for has exactly one purpose, and token
 * signing has a CA of its own that signs nothing else, with or without a shared issuerRef.
 */
class CertificatePurposesTest {

  /** Everything at once: MutualTLS with a user's client, node trust, the managed token issuer. */
  static SecureRegistry everything(boolean sharedIssuer) {
    var r = Registries.tls(Registries.basic("ns", "reg"), TlsSpec.Mode.MutualTLS);
    var ci = new TlsSpec.ClientCertificate();
    ci.name = "ci";
    r.getSpec().tls.clientCertificates = List.of(ci);
    if (sharedIssuer) {
      r.getSpec().tls.issuerRef = new TlsSpec.IssuerRef();
      r.getSpec().tls.issuerRef.name = "corp-ca";
      r.getSpec().tls.issuerRef.kind = "ClusterIssuer";
    }
    r.getSpec().nodeTrust = new NodeTrustSpec();
    r.getSpec().nodeTrust.enabled = true;
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    return r;
  }

  static List<Certificate> all(SecureRegistry r) {
    var out = new ArrayList<Certificate>();
    out.add(CertificateModel.caCertificate("ns"));
    out.add(CertificateModel.serverCertificate(r));
    CertificateModel.clientCertificates(r).forEach(c ->
        out.add(CertificateModel.clientCertificate(r, c)));
    out.addAll(TokenIssuerModel.certificates(r));
    return out;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void eachCertificateHasExactlyOnePurpose(boolean sharedIssuer) {
    var r = everything(sharedIssuer);
    var certificates = all(r);
    assertThat(certificates).extracting(c -> c.getMetadata().getName()).containsExactly(
        "portcullis-ca", "reg-tls", "reg-client-ci", "reg-client-probe", "reg-client-nodes",
        "reg-auth-tls", "reg-token-ca", "reg-token-signing");
    for (Certificate c : certificates) {
      String name = c.getMetadata().getName();
      List<String> usages = c.getSpec().getUsages();
      switch (name) {
        case "portcullis-ca", "reg-token-ca" -> {
          assertThat(usages).as(name).containsExactly("cert sign", "crl sign");
          assertThat(c.getSpec().getIsCA()).as(name).isTrue();
          // a renewal keeps the CA's key, so what it signed and clients' trust stay valid
          assertThat(c.getSpec().getPrivateKey().getRotationPolicy()).as(name).isEqualTo("Never");
        }
        case "reg-tls", "reg-auth-tls" -> assertThat(usages).as(name)
            .containsExactly("server auth", "digital signature", "key encipherment");
        case "reg-client-ci", "reg-client-probe", "reg-client-nodes" -> assertThat(usages)
            .as(name).containsExactly("client auth", "digital signature");
        case "reg-token-signing" -> {
          assertThat(usages).as(name).containsExactly("digital signature");
          assertThat(c.getSpec().getCommonName()).isEqualTo("reg-token-signer");
        }
        default -> throw new AssertionError("unexpected certificate " + name);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theTokenCaSignsTheSigningCertificateAndNothingElse(boolean sharedIssuer) {
    var r = everything(sharedIssuer);
    for (Certificate c : all(r)) {
      String issuer = c.getSpec().getIssuerRef().getName();
      String name = c.getMetadata().getName();
      if (name.equals("reg-token-signing")) {
        assertThat(issuer).isEqualTo("reg-token-ca");
        assertThat(c.getSpec().getIssuerRef().getKind()).isEqualTo("Issuer");
      } else if (name.equals("reg-token-ca")) {
        assertThat(issuer).isEqualTo("reg-token-selfsigned");
      } else {
        assertThat(issuer).as(name).isNotIn("reg-token-ca", "reg-token-selfsigned");
      }
    }
    assertThat(TokenSigningCa.issuers(r)).extracting(i -> i.getMetadata().getName())
        .containsExactly("reg-token-selfsigned", "reg-token-ca");
    assertThat(TokenSigningCa.caIssuer(r).getSpec().getCa().getSecretName())
        .isEqualTo("reg-token-ca");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRegistryTrustsTheTokenCaAndNamesTheOneSigner() {
    var r = everything(true);
    Map<String, Object> root = new Yaml().load(RegistryConfig.yaml(r));
    var token = (Map<String, Object>) ((Map<String, Object>) root.get("auth")).get("token");
    assertThat(token).containsEntry("rootcertbundle", "/etc/portcullis/token/ca.crt")
        .containsEntry("signers", List.of("reg-token-signer"))
        .containsEntry("maxlifetime", "1h");
    // ca.crt of the signing Secret is the token CA (cert-manager's CA issuer writes its own
    // certificate there); the key stays with the issuer
    var volume = DeploymentModel.volumes(r).stream().filter(v -> v.getName().equals("token"))
        .findFirst().orElseThrow();
    assertThat(volume.getSecret().getSecretName()).isEqualTo("reg-token-signing");
    assertThat(volume.getSecret().getItems()).singleElement()
        .satisfies(i -> assertThat(i.getKey()).isEqualTo("ca.crt"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLongerTokenLifetimeRaisesTheRegistrysMaximumToIt() {
    var r = everything(false);
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.managed = new AuthSpec.Managed();
    r.getSpec().auth.token.managed.tokenLifetime = "3h";
    Map<String, Object> root = new Yaml().load(RegistryConfig.yaml(r));
    var token = (Map<String, Object>) ((Map<String, Object>) root.get("auth")).get("token");
    assertThat(token).containsEntry("maxlifetime", "3h");
  }

  /**
   * What rolls on a change of the signing Secret: a new signing key only the issuer (it reads
   * its key at start); a new token CA the registry too (it reads its bundle at start).
   */
  @Test
  void aNewSignerRollsTheIssuerAndOnlyANewTokenCaRollsTheRegistry() {
    var r = everything(false);
    var first = Registries.secret("ns", "reg-token-signing", Map.of("ca.crt", "CA-1",
        "tls.crt", "SIGNER-1"));
    var renewed = Registries.secret("ns", "reg-token-signing", Map.of("ca.crt", "CA-1",
        "tls.crt", "SIGNER-2"));
    var newCa = Registries.secret("ns", "reg-token-signing", Map.of("ca.crt", "CA-2",
        "tls.crt", "SIGNER-3"));
    java.util.function.Function<io.fabric8.kubernetes.api.model.Secret, Map<String, String>>
        registry = s -> DeploymentModel.desired(r, TokenSigningCa.trustFingerprint(s)).getSpec()
            .getTemplate().getMetadata().getAnnotations();
    java.util.function.Function<io.fabric8.kubernetes.api.model.Secret, Map<String, String>>
        issuer = s -> TokenIssuerModel.deployment(r, TokenIssuerModel.signerFingerprint(s))
            .getSpec().getTemplate().getMetadata().getAnnotations();
    assertThat(registry.apply(first)).containsKey(DeploymentModel.TOKEN_CA_ANNOTATION)
        .isEqualTo(registry.apply(renewed)).isNotEqualTo(registry.apply(newCa));
    assertThat(issuer.apply(first)).containsKey(TokenIssuerModel.SIGNER_ANNOTATION)
        .isNotEqualTo(issuer.apply(renewed));
    // before cert-manager wrote the Secret: no annotation, nothing to compare
    assertThat(DeploymentModel.desired(r, TokenSigningCa.trustFingerprint(null)).getSpec()
        .getTemplate().getMetadata().getAnnotations())
        .doesNotContainKey(DeploymentModel.TOKEN_CA_ANNOTATION);
  }

  /** Secret mounts with subPath never see a renewal: every certificate mount is a whole folder. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void noCertificateIsMountedWithASubPath(boolean sharedIssuer) {
    var r = everything(sharedIssuer);
    var mounts = new ArrayList<VolumeMount>(DeploymentModel.mounts(r));
    mounts.addAll(TokenIssuerModel.deployment(r).getSpec().getTemplate().getSpec()
        .getContainers().get(0).getVolumeMounts());
    assertThat(mounts).isNotEmpty().allSatisfy(m -> assertThat(m.getSubPath()).as(m.getName())
        .isNull());
  }
}
