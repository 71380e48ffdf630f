package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.TokenBackendsModel;
import dev.portcullis.operator.model.TokenIssuerModel;
import dev.portcullis.operator.model.TokenLoginsModel;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer config the operator writes for samples/token-oidc-login.yaml, fed unchanged (mount paths replaced by
 * local folders, the listener on a free loopback port) to the real issuer of the registry jar: it starts with
 * {@code oidc_auth}, reads the client secret from the file the Secret is mounted as, serves the sign-in page at
 * {@code /oidc_auth}, and, the sample's provider being unreachable from the test, answers a sign-in with a 502 page
 * and one log line rather than an error or a hang; the token endpoint keeps answering meanwhile.
 */
class TokenOidcLoginSampleIssuerTest {

  @TempDir
  Path dir;

  @Test
  void theIssuerServesTheSignInPageOfTheOidcLoginSample() throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar) && Tools.onPath("openssl"), "needs the registry jar and openssl");
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    SecureRegistry r = serialization.unmarshal(
        Files.readString(Path.of("..", "samples", "token-oidc-login.yaml")).split("(?m)^---$")[2],
        SecureRegistry.class);
    r.getMetadata().setNamespace("samples");

    Path pki = Files.createDirectories(dir.resolve("pki"));
    Tools.run(dir, List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
        "subjectAltName=IP:127.0.0.1", "-keyout", pki.resolve("tls.key").toString(), "-out",
        pki.resolve("tls.crt").toString())).assertOk();
    Path users = Files.createDirectories(dir.resolve("users"));
    Files.writeString(users.resolve(dev.portcullis.operator.model.RegistryConfig.HTPASSWD_KEY), "");
    Path backends = Files.createDirectories(dir.resolve("backends"));
    // what the projected volume holds: the Secret's client-secret key as the file the config names
    Files.writeString(backends.resolve("oidc-client-secret"), "the-client-secret\n");
    Path passwords = dir.resolve("logins");

    int port = Tools.freePortIn(31000, 32000);
    String config = TokenIssuerModel.configYaml(r)
        .replace(TokenIssuerModel.TLS_DIR, pki.toString())
        .replace(TokenIssuerModel.SIGNING_DIR, pki.toString())
        .replace(TokenIssuerModel.USERS_DIR, users.toString())
        .replace(TokenBackendsModel.SECRETS_DIR, backends.toString())
        .replace(TokenLoginsModel.PASSWORDS_DIR, passwords.toString())
        .replace("addr: :" + TokenIssuerModel.PORT, "addr: 127.0.0.1:" + port);
    assertThat(config).contains("oidc_auth:", "redirect_url: https://forge-auth.example.com/oidc_auth")
        .doesNotContain("the-client-secret");
    Path configFile = dir.resolve("auth.yml");
    Files.writeString(configFile, config);

    HttpClient http = HttpClient.newBuilder().sslContext(Tools.trusting(pki.resolve("tls.crt")))
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();
    String base = "https://127.0.0.1:" + port;
    try (var issuer = Tools.start(dir.resolve("auth.log"), "java", "-Xmx128m", "-jar",
        jar.toString(), "auth-server", configFile.toString())) {
      Tools.awaitHttps(URI.create(base + "/healthz"), issuer, http);
      assertThat(issuer.output()).contains("backends=oidc_auth")
          .contains("oidc_auth: sign-in page at https://forge-auth.example.com/oidc_auth")
          .doesNotContain("configuration error");
      assertThat(Files.isDirectory(passwords.resolve("oidc_auth"))).isTrue();

      var page = http.send(HttpRequest.newBuilder(URI.create(base + "/oidc_auth"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("id=\"sign-in\"", "login.example.com");
      assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");

      var start = http.send(HttpRequest.newBuilder(URI.create(base + "/oidc_auth"))
              .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(start.statusCode()).as(start.body()).isEqualTo(502);
      assertThat(start.body()).contains("cannot be reached");
      assertThat(issuer.output()).contains("oidc_auth: sign-in failed, provider unavailable")
          .doesNotContain("the-client-secret");

      var token = http.send(HttpRequest.newBuilder(URI.create(base + "/auth?service="
          + TokenIssuerModel.service(r))).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(token.statusCode()).as("the token endpoint still answers").isEqualTo(401);
    }
  }
}
