package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.portcullis.operator.api.SecureRegistry;
import dev.portcullis.operator.model.TokenBackendsModel;
import dev.portcullis.operator.model.TokenIssuerModel;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer config the operator writes for samples/token-ldap.yaml, fed unchanged (mount paths
 * replaced by local folders, the listener on a free loopback port) to the real issuer of the
 * registry jar: it must start with {@code ldap_auth} and the sample's ACL (match.labels), and a
 * login must reach the directory. The directory (ldap.example.com) is not there, so the login
 * fails closed with 503, which is the issuer's answer only when ldap_auth was configured and asked.
 * The files the pod would mount are written from the model's own volumes and the sample's Secrets;
 * the sample's CA is a placeholder, so a CA made by openssl stands in for it.
 */
class TokenLdapSampleIssuerTest {

  @TempDir
  Path dir;

  @Test
  void theIssuerAcceptsTheConfigTheOperatorWritesForTheLdapSample() throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar) && Tools.onPath("openssl"), "needs the registry jar and openssl");
    var serialization = new KubernetesSerialization();
    serialization.registerKubernetesResource(SecureRegistry.class);
    String[] docs = Files.readString(Path.of("..", "samples", "token-ldap.yaml"))
        .split("(?m)^---$");
    var secrets = new HashMap<String, Secret>();
    for (int i = 0; i < 2; i++) {
      Secret s = serialization.unmarshal(docs[i], Secret.class);
      secrets.put(s.getMetadata().getName(), s);
    }
    SecureRegistry r = serialization.unmarshal(docs[2], SecureRegistry.class);
    r.getMetadata().setNamespace("samples");

    Path pki = Files.createDirectories(dir.resolve("pki"));
    Tools.run(dir, List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
        "subjectAltName=IP:127.0.0.1", "-keyout", pki.resolve("tls.key").toString(), "-out",
        pki.resolve("tls.crt").toString())).assertOk();
    Path users = Files.createDirectories(dir.resolve("users"));
    Files.writeString(users.resolve(dev.portcullis.operator.model.RegistryConfig.HTPASSWD_KEY), "");
    Path backends = writeBackendFiles(r, secrets, Files.createDirectories(dir.resolve("backends")),
        Files.readString(pki.resolve("tls.crt")));

    int port = Tools.freePortIn(31000, 32000);
    String config = TokenIssuerModel.configYaml(r)
        .replace(TokenIssuerModel.TLS_DIR, pki.toString())
        .replace(TokenIssuerModel.SIGNING_DIR, pki.toString())
        .replace(TokenIssuerModel.USERS_DIR, users.toString())
        .replace(TokenBackendsModel.SECRETS_DIR, backends.toString())
        .replace("addr: :" + TokenIssuerModel.PORT, "addr: 127.0.0.1:" + port);
    assertThat(config).contains("ldap_auth:", "127.0.0.1:" + port, "labels:");
    Path configFile = dir.resolve("auth.yml");
    Files.writeString(configFile, config);

    HttpClient http = HttpClient.newBuilder().sslContext(Tools.trusting(pki.resolve("tls.crt")))
        .connectTimeout(Duration.ofSeconds(2)).build();
    try (var issuer = Tools.start(dir.resolve("auth.log"), "java", "-Xmx128m", "-jar",
        jar.toString(), "auth-server", configFile.toString())) {
      Tools.awaitHttps(URI.create("https://127.0.0.1:" + port + "/healthz"), issuer, http);
      assertThat(issuer.output()).contains("backends=ldap_auth").doesNotContain("configuration error");
      var login = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
              + "/auth?service=" + TokenIssuerModel.service(r) + "&scope=repository:library/x:pull"))
          .header("Authorization", "Basic " + Base64.getEncoder()
              .encodeToString("alice:alice-pw".getBytes(StandardCharsets.UTF_8)))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body() + "\n" + issuer.output()).isEqualTo(503);
      assertThat(issuer.output()).contains("backend=ldap_auth").doesNotContain("alice-pw");
    }
  }

  /** The backends' projected volume as the kubelet would write it, from the sample's Secrets. */
  private static Path writeBackendFiles(SecureRegistry r, Map<String, Secret> secrets, Path folder,
      String caPem) throws Exception {
    for (Volume v : TokenBackendsModel.volumes(r)) {
      if (v.getProjected() == null) {
        continue;
      }
      for (var source : v.getProjected().getSources()) {
        assertThat(source.getSecret()).as("the sample's backends read Secrets only").isNotNull();
        Secret s = secrets.get(source.getSecret().getName());
        assertThat(s).as("the sample defines Secret " + source.getSecret().getName()).isNotNull();
        for (var item : source.getSecret().getItems()) {
          String value = s.getStringData().get(item.getKey());
          assertThat(value).as(s.getMetadata().getName() + "/" + item.getKey()).isNotNull();
          // the sample's CA is a placeholder for the company's: ours signs nothing the issuer meets
          Files.writeString(folder.resolve(item.getPath()),
              value.contains("BEGIN CERTIFICATE") ? caPem : value);
        }
      }
    }
    return folder;
  }
}
