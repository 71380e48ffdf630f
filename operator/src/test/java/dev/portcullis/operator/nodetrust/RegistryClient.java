package dev.portcullis.operator.nodetrust;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.operator.testsupport.FakeCertManager;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An HTTPS client of a registry process that brings its own bearer tokens: signs a registry token
 * (ES256, {@code x5c}) with the key and certificates of any {@code kubernetes.io/tls} Secret, as
 * the token issuer does with its signing Secret and as an attacker would with any other.
 */
final class RegistryClient {

  /** A key and its certificate chain, leaf first, from a Secret cert-manager wrote. */
  record KeyAndChain(String name, PrivateKey key, List<X509Certificate> chain) {

    static KeyAndChain of(Secret s) throws Exception {
      var chain = new ArrayList<X509Certificate>();
      chain.add(FakeCertManager.readCert(value(s, "tls.crt")));
      String ca = value(s, "ca.crt");
      if (ca != null && !chain.get(0).getSubjectX500Principal().equals(
          chain.get(0).getIssuerX500Principal())) {
        chain.add(FakeCertManager.readCert(ca));
      }
      return new KeyAndChain(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(),
          FakeCertManager.readKey(value(s, "tls.key")), chain);
    }
  }

  private final HttpClient http;
  private final URI base;

  /** A client trusting {@code caPem}, presenting {@code clientCert} (null: none) at the handshake. */
  RegistryClient(URI base, String caPem, KeyAndChain clientCert) throws Exception {
    this.base = base;
    var trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", FakeCertManager.readCert(caPem));
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    var ssl = SSLContext.getInstance("TLS");
    javax.net.ssl.KeyManager[] keyManagers = null;
    if (clientCert != null) {
      char[] pass = "unused".toCharArray();
      var keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", clientCert.key(), pass,
          clientCert.chain().toArray(X509Certificate[]::new));
      var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pass);
      keyManagers = kmf.getKeyManagers();
    }
    ssl.init(keyManagers, tmf.getTrustManagers(), null);
    http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * A token as the managed issuer makes them: its iss and aud, {@code lifetime} from now, the
   * access given as {@code type:name:actions} strings.
   */
  static String token(KeyAndChain signer, String issuer, String audience, Duration lifetime,
      String... access) throws Exception {
    var entries = new ArrayList<Map<String, Object>>();
    for (String a : access) {
      String[] parts = a.split(":");
      entries.add(Map.of("type", parts[0], "name", parts[1],
          "actions", List.of(parts[2].split(","))));
    }
    Instant now = Instant.now();
    var claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("mallory")
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(5)))
        .expirationTime(Date.from(now.plus(lifetime))).jwtID(UUID.randomUUID().toString())
        .claim("access", entries).build();
    var x5c = new ArrayList<Base64>();
    for (X509Certificate c : signer.chain()) {
      x5c.add(Base64.encode(c.getEncoded()));
    }
    var header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
        .x509CertChain(x5c).build();
    var jwt = new SignedJWT(header, claims);
    jwt.sign(new ECDSASigner((ECPrivateKey) signer.key()));
    return jwt.serialize();
  }

  /** GET {@code path} with the token; the status. */
  int get(String path, String token) throws Exception {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), token);
  }

  /** POST {@code path} (an upload start) with the token; the status. */
  int post(String path, String token) throws Exception {
    return send(HttpRequest.newBuilder(base.resolve(path))
        .POST(HttpRequest.BodyPublishers.noBody()), token);
  }

  private int send(HttpRequest.Builder request, String token) throws Exception {
    return http.send(request.header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  static String value(Secret s, String key) {
    if (s.getData() == null || s.getData().get(key) == null) {
      return null;
    }
    return new String(java.util.Base64.getDecoder().decode(s.getData().get(key)),
        StandardCharsets.UTF_8);
  }

}
