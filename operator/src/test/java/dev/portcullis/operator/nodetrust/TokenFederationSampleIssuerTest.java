package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.TokenBackendsModel;
import dev.portcullis.operator.model.TokenIssuerModel;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer config the operator writes for samples/token-federation.yaml, fed unchanged (mount paths replaced by
 * local folders, the listener on a free loopback port) to the real issuer of the registry jar: it must start with
 * {@code oidc_federation} trusting the sample's GitHub Actions issuer. GitHub is not reachable from the test, so the
 * login shown is one the issuer refuses before any fetch: an unsigned ({@code alg: none}) token claiming to come from
 * GitHub, refused with one log line naming the sample's issuer and the reason, never the token.
 */
class TokenFederationSampleIssuerTest {

  @TempDir
  Path dir;

  @Test
  void theIssuerAcceptsTheConfigTheOperatorWritesForTheFederationSample() throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar) && Tools.onPath("openssl"), "needs the registry jar and openssl");
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    SecureRegistry r = serialization.unmarshal(
        Files.readString(Path.of("..", "samples", "token-federation.yaml")), SecureRegistry.class);
    r.getMetadata().setNamespace("samples");

    Path pki = Files.createDirectories(dir.resolve("pki"));
    Tools.run(dir, List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
        "subjectAltName=IP:127.0.0.1", "-keyout", pki.resolve("tls.key").toString(), "-out",
        pki.resolve("tls.crt").toString())).assertOk();
    Path users = Files.createDirectories(dir.resolve("users"));
    Files.writeString(users.resolve(dev.portcullis.operator.model.RegistryConfig.HTPASSWD_KEY), "");
    Path backends = Files.createDirectories(dir.resolve("backends"));

    int port = Tools.freePortIn(31000, 32000);
    String config = TokenIssuerModel.configYaml(r)
        .replace(TokenIssuerModel.TLS_DIR, pki.toString())
        .replace(TokenIssuerModel.SIGNING_DIR, pki.toString())
        .replace(TokenIssuerModel.USERS_DIR, users.toString())
        .replace(TokenBackendsModel.SECRETS_DIR, backends.toString())
        .replace("addr: :" + TokenIssuerModel.PORT, "addr: 127.0.0.1:" + port);
    assertThat(config).contains("oidc_federation:", "https://token.actions.githubusercontent.com",
        "127.0.0.1:" + port);
    Path configFile = dir.resolve("auth.yml");
    Files.writeString(configFile, config);

    String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(
        "{\"iss\":\"https://token.actions.githubusercontent.com\",\"aud\":\"foundry.example.com\","
            + "\"repository\":\"acme/app\",\"repository_owner\":\"acme\",\"ref\":\"refs/heads/main\","
            + "\"exp\":" + Instant.now().plusSeconds(300).getEpochSecond() + "}") + ".";
    HttpClient http = HttpClient.newBuilder().sslContext(Tools.trusting(pki.resolve("tls.crt")))
        .connectTimeout(Duration.ofSeconds(2)).build();
    try (var issuer = Tools.start(dir.resolve("auth.log"), "java", "-Xmx128m", "-jar",
        jar.toString(), "auth-server", configFile.toString())) {
      Tools.awaitHttps(URI.create("https://127.0.0.1:" + port + "/healthz"), issuer, http);
      assertThat(issuer.output()).contains("backends=oidc_federation")
          .contains("github-actions=https://token.actions.githubusercontent.com")
          .doesNotContain("configuration error");
      var login = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
              + "/auth?service=" + TokenIssuerModel.service(r) + "&scope=repository:acme/app:push,pull"))
          .header("Authorization", "Basic " + Base64.getEncoder()
              .encodeToString(("acme/app:" + unsigned).getBytes(StandardCharsets.UTF_8)))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body() + "\n" + issuer.output()).isEqualTo(401);
      assertThat(issuer.output())
          .contains("oidc_federation: token refused: issuer=github-actions reason=unsigned token (alg none)")
          .doesNotContain(unsigned);
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
