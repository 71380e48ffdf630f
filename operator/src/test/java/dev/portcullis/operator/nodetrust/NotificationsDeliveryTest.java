package dev.portcullis.operator.nodetrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.operator.api.NotificationEndpointSpec;
import dev.portcullis.operator.api.NotificationsSpec;
import dev.portcullis.operator.api.TlsSpec;
import dev.portcullis.operator.model.Names;
import dev.portcullis.operator.model.RegistryConfig;
import dev.portcullis.operator.testsupport.MockCluster;
import dev.portcullis.operator.testsupport.Registries;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 item 4, run for real: the operator (mock API server) turns spec.notifications into
 * config.yml and the Deployment's projected Secret volume; the registry jar serves that config
 * with the Secrets laid out as the volume says; a push is answered, and a receiver in the test
 * gets its event with the header value from the Secret and a signature under the Secret's key.
 */
class NotificationsDeliveryTest {

  record Delivery(Map<String, List<String>> headers, byte[] body) {}

  @TempDir Path dir;

  @Test
  void aPushReachesTheReceiverWithTheSecretHeaderAndSignature() throws Exception {
    Path jar = Path.of("..", "registry-image", "target", "portcullis-registry.jar");
    assumeTrue(Files.exists(jar), "build the registry jar first: " + jar);
    var deliveries = new CopyOnWriteArrayList<Delivery>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/events", ex -> {
      deliveries.add(new Delivery(Map.copyOf(ex.getRequestHeaders()),
          ex.getRequestBody().readAllBytes()));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    receiver.start();
    String signingKey = "k-" + java.util.UUID.randomUUID();
    String token = "Bearer t-" + java.util.UUID.randomUUID();
    String ns = "hooks";
    try (var cluster = new MockCluster(true).startOperator()) {
      cluster.client.resource(Registries.secret(ns, "hook", Map.of(
          "authorization", token, "signing", signingKey))).create();
      var r = Registries.tls(Registries.basic(ns, "reg"), TlsSpec.Mode.Disabled);
      var ci = new NotificationEndpointSpec();
      ci.name = "ci";
      ci.url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/events";
      ci.insecure = true;
      var authz = new NotificationEndpointSpec.HeaderFrom();
      authz.name = "Authorization";
      authz.secretKeyRef = new NotificationEndpointSpec.SecretKey();
      authz.secretKeyRef.name = "hook";
      authz.secretKeyRef.key = "authorization";
      ci.headersFrom = List.of(authz);
      ci.signingSecretRef = new NotificationEndpointSpec.SecretKey();
      ci.signingSecretRef.name = "hook";
      ci.signingSecretRef.key = "signing";
      r.getSpec().notifications = new NotificationsSpec();
      r.getSpec().notifications.endpoints = List.of(ci);
      cluster.client.resource(r).create();

      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
        assertThat(cluster.client.resources(ConfigMap.class).inNamespace(ns).withName("reg-config")
            .get().getData().get(RegistryConfig.KEY)).contains("headerfiles");
        assertThat(cluster.client.resources(Deployment.class).inNamespace(ns)
            .withName(Names.deployment(r)).get()).isNotNull();
      });
      String operatorConfig = cluster.client.resources(ConfigMap.class).inNamespace(ns)
          .withName("reg-config").get().getData().get(RegistryConfig.KEY);
      assertThat(operatorConfig).doesNotContain(token).doesNotContain(signingKey);

      // the pod's projected volumes: each Secret item at its path under its mount
      var pod = cluster.client.resources(Deployment.class).inNamespace(ns)
          .withName(Names.deployment(r)).get().getSpec().getTemplate().getSpec();
      var mounts = new HashMap<String, Path>();
      mounts.put(RegistryConfig.DATA_DIR, dir.resolve("data"));
      for (var mount : pod.getContainers().get(0).getVolumeMounts()) {
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
            .findFirst().orElseThrow();
        if (volume.getProjected() == null) {
          continue;
        }
        Path folder = Files.createDirectories(dir.resolve("mounts").resolve(mount.getName()));
        for (var source : volume.getProjected().getSources()) {
          Secret secret = cluster.client.secrets().inNamespace(ns)
              .withName(source.getSecret().getName()).get();
          for (var item : source.getSecret().getItems()) {
            Files.writeString(folder.resolve(item.getPath()), Registries.decode(secret,
                item.getKey()));
          }
        }
        mounts.put(mount.getMountPath(), folder);
      }
      assertThat(mounts).containsKey("/etc/portcullis/notifications/0");
      Path configFile = dir.resolve("config.yml");
      int port = Tools.freePortIn(20000, 29000);
      int debug = Tools.writeRegistryConfig(operatorConfig, mounts, port, configFile);

      try (var registry = Tools.start(dir.resolve("registry.log"), "java", "-Xmx256m", "-jar",
          jar.toString(), "serve", configFile.toString())) {
        Tools.awaitHttp("http://127.0.0.1:" + debug + "/readyz", registry);
        byte[] blob = ("an event's worth of bytes " + token).getBytes(StandardCharsets.UTF_8);
        String digest = "sha256:" + HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(blob));
        var push = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/v2/app/blobs/uploads/?digest=" + digest))
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(push.statusCode()).as(registry.output()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> deliveries.stream()
            .anyMatch(d -> new String(d.body(), StandardCharsets.UTF_8).contains(digest)));
        Delivery d = deliveries.stream().filter(x -> new String(x.body(), StandardCharsets.UTF_8)
            .contains(digest)).findFirst().orElseThrow();
        assertThat(d.headers().get("Authorization")).containsExactly(token);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(signingKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(d.headers().get("X-portcullis-signature-256")).containsExactly(
            "sha256=" + HexFormat.of().formatHex(mac.doFinal(d.body())));
        assertThat(new String(d.body(), StandardCharsets.UTF_8)).contains("\"action\":\"push\"",
            "\"repository\":\"app\"");
        assertThat(registry.output()).doesNotContain(token).doesNotContain(signingKey);
      }
    } finally {
      receiver.stop(0);
    }
  }
}
