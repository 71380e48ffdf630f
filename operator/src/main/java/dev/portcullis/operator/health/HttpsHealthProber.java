package dev.portcullis.operator.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.operator.api.HealthStatus;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * GET {@code https://<service>.<namespace>.svc:<port>/readyz} trusting only the registry's CA,
 * with the operator's probe client certificate in MutualTLS mode: one request checks the
 * certificate chain and host name clients see, mutual TLS, and the registry's own checks. The
 * debug port serves /readyz too but in plain HTTP, which would prove nothing about TLS.
 */
public final class HttpsHealthProber implements HealthProber {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Clock clock;
  private final Duration timeout;

  public HttpsHealthProber(Clock clock, Duration timeout) {
    this.clock = clock;
    this.timeout = timeout;
  }

  @Override
  public HealthStatus probe(Target target) {
    var result = new HealthStatus();
    result.lastProbeTime = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .toString();
    long start = System.nanoTime();
    try {
      HttpClient client = HttpClient.newBuilder().sslContext(sslContext(target))
          .connectTimeout(timeout).build();
      // Java 17's HttpClient has no close(): its threads end when it is collected
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(target.url())
          .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
      result.latencyMillis = (System.nanoTime() - start) / 1_000_000;
      parse(response.statusCode(), response.body(), result);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.status = "unreachable";
      result.message = "interrupted";
    } catch (Exception e) {
      result.latencyMillis = (System.nanoTime() - start) / 1_000_000;
      result.status = "unreachable";
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      result.message = root.getClass().getSimpleName()
          + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
    return result;
  }

  static void parse(int code, String body, HealthStatus result) {
    try {
      JsonNode root = JSON.readTree(body);
      result.status = root.path("status").asText(code == 200 ? "ok" : "unhealthy");
      var checks = new ArrayList<HealthStatus.Check>();
      for (JsonNode n : root.path("checks")) {
        var c = new HealthStatus.Check();
        c.name = n.path("name").asText(null);
        c.status = n.path("status").asText(null);
        c.lastCheck = n.path("lastCheck").asText(null);
        c.latencyMillis = n.has("latencyMillis") ? n.get("latencyMillis").asLong() : null;
        c.consecutiveFailures = n.has("consecutiveFailures")
            ? n.get("consecutiveFailures").asInt() : null;
        c.message = n.hasNonNull("message") ? n.get("message").asText() : null;
        checks.add(c);
      }
      result.checks = checks.isEmpty() ? null : checks;
    } catch (Exception e) {
      result.status = code == 200 ? "ok" : "unhealthy";
      result.message = "HTTP " + code + " without a /readyz document";
    }
    if (code != 200 && "ok".equals(result.status)) {
      result.status = "unhealthy";
    }
  }

  static SSLContext sslContext(Target target) throws Exception {
    var cf = CertificateFactory.getInstance("X.509");
    var trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(
        target.caPem().getBytes(StandardCharsets.US_ASCII)))) {
      trust.setCertificateEntry("ca" + i++, c);
    }
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.KeyManager[] keyManagers = null;
    if (target.clientCertificatePem().isPresent() && target.clientKeyPem().isPresent()) {
      var chain = cf.generateCertificates(new ByteArrayInputStream(
          target.clientCertificatePem().get().getBytes(StandardCharsets.US_ASCII)))
          .toArray(Certificate[]::new);
      var keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      char[] pass = "probe".toCharArray();
      keys.setKeyEntry("probe", privateKey(target.clientKeyPem().get()), pass, chain);
      var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pass);
      keyManagers = kmf.getKeyManagers();
    }
    var ssl = SSLContext.getInstance("TLS");
    ssl.init(keyManagers, tmf.getTrustManagers(), null);
    return ssl;
  }

  /** A PKCS#8 PEM key ("PRIVATE KEY"), as cert-manager writes with encoding PKCS8; EC or RSA. */
  static PrivateKey privateKey(String pem) throws Exception {
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    var spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (java.security.spec.InvalidKeySpecException notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }
}
