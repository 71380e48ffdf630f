package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.operator.api.AuthSpec;
import dev.portcullis.operator.model.DeploymentModel;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.model.TokenIssuerModel;
import dev.portcullis.operator.model.TokenSigningCa;
import dev.portcullis.operator.testsupport.FakeCertManager;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * Issue #25, item 7: cert-manager renews the token-signing certificate under load and no valid
 * token is refused. The operator rolls the issuer (its pod template names the signing
 * certificate); as the Deployment would, a second issuer process starts on the new key, takes the
 * traffic, and the first stops. Throughout, clients fetch tokens from the current issuer and use
 * them, and tokens the old key signed keep being used after its issuer is gone: the registry
 * process, configured as the operator configures it, must accept every one.
 */
class TokenSigningRotationTest extends MockClusterTest {

  static final String NS = "rotate";
  static final String PASSWORD = "ci-Passw0rd-rotate";
  static final int CLIENTS = 3;

  @Test
  void aRenewedSigningKeyRefusesNoValidToken() throws Exception {
    int registryPort = Tools.freePortIn(30200, 32700);
    int oldIssuerPort = Tools.freePortIn(20000, 29000);
    cluster.client.resource(Registries.password(NS, "ci", PASSWORD)).create();
    var r = Registries.basic(NS, "reg");
    r.getSpec().host = List.of("localhost");
    r.getSpec().auth = new AuthSpec();
    r.getSpec().auth.mode = AuthSpec.Mode.Token;
    r.getSpec().auth.token = new AuthSpec.Token();
    r.getSpec().auth.token.managed = new AuthSpec.Managed();
    r.getSpec().auth.token.managed.users = List.of(TokenManagedTest.user("ci"));
    r.getSpec().auth.token.managed.acl = List.of(TokenManagedTest.acl("ci", "*"));
    r.getSpec().auth.token.managed.realm = "https://localhost:" + oldIssuerPort + "/auth";
    cluster.client.resource(r).create();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      for (String s : List.of("reg-tls", "reg-auth-tls", "reg-token-signing",
          Names.htpasswdSecret(r))) {
        assertThat(get(Secret.class, NS, s)).as(s).isNotNull();
      }
      assertThat(signerAnnotation()).isEqualTo(TokenIssuerModel.signerFingerprint(
          get(Secret.class, NS, "reg-token-signing")));
    });
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar), "needs the registry jar");
    Secret oldSigning = get(Secret.class, NS, "reg-token-signing");
    String oldAnnotation = signerAnnotation();
    await().untilAsserted(() -> assertThat(tokenCaAnnotation())
        .isEqualTo(TokenSigningCa.trustFingerprint(oldSigning)));
    String registryTemplate = tokenCaAnnotation();

    Path tls = Tools.writeSecret(get(Secret.class, NS, "reg-tls"), dir.resolve("tls"));
    Path token = Files.createDirectories(dir.resolve("token"));
    Files.writeString(token.resolve("ca.crt"), RegistryClient.value(oldSigning, "ca.crt"));
    Path config = dir.resolve("config.yml");
    int debug = Tools.writeRegistryConfig(get(ConfigMap.class, NS, "reg-config").getData()
        .get(RegistryConfig.KEY), Map.of(RegistryConfig.TLS_DIR, tls, RegistryConfig.TOKEN_DIR,
        token, RegistryConfig.DATA_DIR, dir.resolve("data")), registryPort, config);
    var registryClient = new RegistryClient(URI.create("https://localhost:" + registryPort + "/"),
        RegistryClient.value(get(Secret.class, NS, "reg-tls"), "ca.crt"), null);
    var issuerHttp = httpsTrusting(RegistryClient.value(get(Secret.class, NS, "reg-auth-tls"),
        "ca.crt"));

    try (var registry = Tools.start(dir.resolve("registry.log"), "java", "-Xmx128m", "-jar",
            jar.toString(), "serve", config.toString());
        var oldIssuer = startIssuer(jar, "old", oldSigning, oldIssuerPort)) {
      Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", registry);
      var current = new AtomicReference<>(URI.create("https://localhost:" + oldIssuerPort
          + "/auth"));
      Tools.Running newIssuer = null;
      var stop = new AtomicBoolean();
      var used = new AtomicInteger();
      var refused = new CopyOnWriteArrayList<String>();
      var oldTokens = new CopyOnWriteArrayList<String>();
      Set<String> kids = ConcurrentHashMap.newKeySet();
      var clients = new ArrayList<Thread>();
      for (int i = 0; i < CLIENTS; i++) {
        var t = new Thread(() -> {
          while (!stop.get()) {
            try {
              String fresh = fetchToken(issuerHttp, current.get(), r);
              kids.add(keyId(fresh));
              if (current.get().getPort() == oldIssuerPort) {
                oldTokens.add(fresh);
              }
              // a fresh token, and one the old key signed a while ago
              for (String t2 : List.of(fresh, oldTokens.get(
                  java.util.concurrent.ThreadLocalRandom.current().nextInt(oldTokens.size())))) {
                int status = registryClient.get("v2/ci/app/tags/list", t2);
                used.incrementAndGet();
                // accepted: the repository does not exist yet
                if (status != 404) {
                  refused.add(status + " for a token of key " + keyId(t2));
                }
              }
            } catch (Exception e) {
              if (!stop.get()) {
                refused.add("client error: " + e);
              }
            }
          }
        }, "rotation-client-" + i);
        t.setDaemon(true);
        clients.add(t);
        t.start();
      }
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> used.get() >= 20);

        cluster.certManager().renew(NS, "reg-token-signing");
        await().atMost(Duration.ofSeconds(60)).until(() -> !oldAnnotation.equals(
            signerAnnotation()));
        Secret newSigning = get(Secret.class, NS, "reg-token-signing");
        assertThat(signerAnnotation()).isEqualTo(TokenIssuerModel.signerFingerprint(newSigning));
        // same token CA: the registry's bundle does not change, so it need not reload anything
        assertThat(RegistryClient.value(newSigning, "ca.crt"))
            .isEqualTo(RegistryClient.value(oldSigning, "ca.crt"));
        assertThat(RegistryClient.value(newSigning, "tls.key"))
            .isNotEqualTo(RegistryClient.value(oldSigning, "tls.key"));
        assertThat(tokenCaAnnotation()).as("the registry pods do not roll")
            .isEqualTo(registryTemplate);

        // the rolling update: the new pod becomes ready, takes the traffic, the old one goes
        int newIssuerPort = Tools.freePortIn(20000, 29000);
        newIssuer = startIssuer(jar, "new", newSigning, newIssuerPort);
        current.set(URI.create("https://localhost:" + newIssuerPort + "/auth"));
        int before = used.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> used.get() >= before + 20);
        oldIssuer.close();
        int after = used.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> used.get() >= after + 20);
      } finally {
        stop.set(true);
        for (Thread t : clients) {
          t.join(30_000);
        }
        if (newIssuer != null) {
          newIssuer.close();
        }
      }
      System.out.println("token-signing rotation: " + used.get() + " token uses by " + CLIENTS
          + " clients, " + refused.size() + " refused");
      assertThat(kids).as("tokens of both keys were used").hasSize(2);
      assertThat(refused).as(() -> "refused of " + used.get() + "\nregistry:\n"
          + registry.output()).isEmpty();
      assertThat(used.get()).isGreaterThanOrEqualTo(60);
    }
  }

  private String tokenCaAnnotation() {
    var d = get(Deployment.class, NS, "reg");
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations()
        .get(DeploymentModel.TOKEN_CA_ANNOTATION);
  }

  private String signerAnnotation() {
    var d = get(Deployment.class, NS, "reg-auth");
    return d == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations()
        .get(TokenIssuerModel.SIGNER_ANNOTATION);
  }

  /** The issuer with the operator's config and the Secrets its pod mounts, on {@code port}. */
  private Tools.Running startIssuer(Path jar, String name, Secret signing, int port)
      throws Exception {
    Path folder = Files.createDirectories(dir.resolve("issuer-" + name));
    Path authTls = Tools.writeSecret(get(Secret.class, NS, "reg-auth-tls"),
        folder.resolve("tls"));
    Path signingDir = Tools.writeSecret(signing, folder.resolve("signing"));
    Path users = Tools.writeSecret(get(Secret.class, NS, "reg-htpasswd"), folder.resolve("users"));
    String text = get(ConfigMap.class, NS, "reg-auth-config").getData().get("config.yml")
        .replace(TokenIssuerModel.TLS_DIR, authTls.toString())
        .replace(TokenIssuerModel.SIGNING_DIR, signingDir.toString())
        .replace(TokenIssuerModel.USERS_DIR, users.toString())
        .replace("addr: :" + TokenIssuerModel.PORT, "addr: 127.0.0.1:" + port);
    Path config = folder.resolve("auth.yml");
    Files.writeString(config, text);
    var issuer = Tools.start(folder.resolve("issuer.log"), "java", "-Xmx96m", "-jar",
        jar.toString(), "auth-server", config.toString());
    try {
      Tools.awaitHttps(URI.create("https://localhost:" + port + "/healthz"), issuer,
          httpsTrusting(RegistryClient.value(get(Secret.class, NS, "reg-auth-tls"), "ca.crt")));
    } catch (Throwable t) {
      issuer.close();
      throw t;
    }
    return issuer;
  }

  private static String fetchToken(HttpClient http, URI issuer, dev.portcullis.operator.api
      .SecureRegistry r) throws Exception {
    String query = "service=" + URLEncoder.encode(TokenIssuerModel.service(r),
        StandardCharsets.UTF_8) + "&scope=" + URLEncoder.encode("repository:ci/app:pull",
        StandardCharsets.UTF_8);
    String basic = Base64.getEncoder().encodeToString(("ci:" + PASSWORD)
        .getBytes(StandardCharsets.UTF_8));
    var response = http.send(HttpRequest.newBuilder(URI.create(issuer + "?" + query))
        .header("Authorization", "Basic " + basic).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("issuer " + response.statusCode() + ": " + response.body());
    }
    return new ObjectMapper().readTree(response.body()).get("token").asText();
  }

  /** The signing certificate a token names: its x5c leaf, which differs per key. */
  private static String keyId(String jwt) throws Exception {
    var header = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]));
    return header.has("kid") ? header.get("kid").asText()
        : Integer.toHexString(header.get("x5c").get(0).asText().hashCode());
  }

  static HttpClient httpsTrusting(String caPem) throws Exception {
    var trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", FakeCertManager.readCert(caPem));
    var tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    var ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }
}
