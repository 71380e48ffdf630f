package dev.portcullis.operator.nodetrust;

import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Small process helpers for the real-client tests (the registry module's harness is not visible here). */
final class Tools {
  private Tools() {}

  /** A TLS context trusting exactly the one certificate in {@code certificate} (a PEM file). */
  static SSLContext trusting(Path certificate) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      trust.setCertificateEntry("issuer", CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  record Result(int exit, String output) {
    Result assertOk() {
      if (exit != 0) {
        throw new AssertionError("exit " + exit + ":\n" + output);
      }
      return this;
    }
  }

  /** A running process, destroyed on close; its output goes to a log file. */
  record Running(Process process, Path log) implements AutoCloseable {
    String output() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  static boolean onPath(String tool) {
    for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(p, tool))) {
        return true;
      }
    }
    return false;
  }

  static int freePortIn(int low, int high) throws IOException {
    for (int i = 0; i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(low, high);
      try (var s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException busy) {
        // next
      }
    }
    throw new IOException("no free port in " + low + ".." + high);
  }

  /** Writes a Secret's keys as files, as a Secret volume would. */
  static Path writeSecret(Secret s, Path folder) throws IOException {
    Files.createDirectories(folder);
    if (s.getData() != null) {
      for (var e : s.getData().entrySet()) {
        Files.write(folder.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
      }
    }
    return folder;
  }

  /**
   * The operator's config.yml as the registry pod reads it, written to {@code file}: each mount
   * path of {@code mounts} replaced by its local folder, the registry on {@code 127.0.0.1:port}
   * (a node port, on the node's loopback) and the debug server on a free port, which is returned.
   */
  static int writeRegistryConfig(String operatorYaml, java.util.Map<String, Path> mounts, int port,
      Path file) throws IOException {
    String text = operatorYaml;
    for (var m : mounts.entrySet()) {
      text = text.replace(m.getKey(), m.getValue().toString());
    }
    java.util.Map<String, Object> tree = new org.yaml.snakeyaml.Yaml().load(text);
    @SuppressWarnings("unchecked")
    var http = (java.util.Map<String, Object>) tree.get("http");
    http.put("addr", "127.0.0.1:" + port);
    int debug = freePortIn(20000, 29000);
    @SuppressWarnings("unchecked")
    var debugMap = (java.util.Map<String, Object>) http.get("debug");
    debugMap.put("addr", "127.0.0.1:" + debug);
    Files.writeString(file, new org.yaml.snakeyaml.Yaml().dump(tree));
    return debug;
  }

  static Running start(Path log, String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    return new Running(p, log);
  }

  static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "run", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(command + " did not finish in 120s:\n" + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out));
  }

  static void awaitHttp(String url, Running process) throws Exception {
    awaitHttps(URI.create(url), process,
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build());
  }

  /** Waits for {@code url} to answer 200 through {@code client} (which knows whom to trust). */
  static void awaitHttps(URI url, Running process, HttpClient client) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (!process.process().isAlive()) {
        throw new AssertionError("exited " + process.process().exitValue() + ":\n"
            + process.output());
      }
      try {
        var response = client.send(HttpRequest.newBuilder(url).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " not ready in 60s:\n" + process.output());
  }
}
