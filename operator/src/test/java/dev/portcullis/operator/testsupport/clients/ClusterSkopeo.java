package dev.portcullis.operator.testsupport.clients;

import dev.portcullis.testimage.RandomImageLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * skopeo as a user outside the cluster drives it: {@code login} to the registry's endpoint, then
 * {@code copy} with the stored credentials, trusting only the CA the operator published in
 * {@code status.caBundle}. Isolated from the machine's container configuration the way
 * registry-image's {@code clients.Skopeo} is (private HOME, auth file, policy, registries.conf),
 * but, unlike it, it keeps a proxy: {@code HTTPS_PROXY} is the harness's
 * {@code ServiceProxy}, which is how cluster names reach the kubelet stand-in's ports.
 */
public final class ClusterSkopeo {
  static final Path BINARY = Path.of("/usr/bin/skopeo");
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final Path home;
  private final Path authFile;
  private final Path policy;
  private final Path registriesConf;
  private final Path certDir;
  private final Path tmp;
  private final String proxy;

  /** {@code caPem} goes into the private cert dir as ca.crt. */
  public ClusterSkopeo(Path root, String proxyUrl, String caPem) {
    requireTool(BINARY, "skopeo");
    try {
      Files.createDirectories(root);
      this.home = Files.createDirectories(root.resolve("home"));
      this.authFile = root.resolve("auth.json");
      Files.writeString(authFile, "{\"auths\":{}}");
      this.policy = root.resolve("policy.json");
      Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
      this.registriesConf = root.resolve("registries.conf");
      Files.writeString(registriesConf, "# private and empty\n");
      this.certDir = Files.createDirectories(root.resolve("certs"));
      this.tmp = Files.createDirectories(root.resolve("tmp"));
      this.proxy = proxyUrl;
      trust(caPem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces the trusted CA. */
  public void trust(String caPem) {
    try {
      if (caPem != null) {
        Files.writeString(certDir.resolve("ca.crt"), caPem);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Presents this client certificate (PEM) to every registry, as Docker's client.cert/client.key. */
  public void presentCertificate(String certPem, String keyPem) {
    try {
      Files.writeString(certDir.resolve("client.cert"), certPem);
      Files.writeString(certDir.resolve("client.key"), keyPem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code skopeo login HOST:PORT -u USER --password-stdin}. */
  public Exec.Result login(String hostPort, String user, String password) {
    // Exec closes stdin, so the password goes through a private file read by a shell redirect
    try {
      Path pw = Files.createTempFile(tmp, "pw", "");
      Files.writeString(pw, password, StandardCharsets.UTF_8);
      try {
        return run(List.of("/bin/sh", "-c", "exec \"$0\" \"$@\" < " + pw, BINARY.toString(),
            "login", "--authfile", authFile.toString(), "--cert-dir", certDir.toString(),
            "--tls-verify=true", "-u", user, "--password-stdin", hostPort), Set.of(password));
      } finally {
        Files.deleteIfExists(pw);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code skopeo copy oci:DIR:TAG docker://REF} with the logged-in credentials. */
  public Exec.Result push(Path ociDir, String tag, String ref) {
    return copy("oci:" + ociDir + ":" + tag, "docker://" + ref);
  }

  /** {@code skopeo copy docker://REF oci:DIR:TAG}. */
  public Exec.Result pull(String ref, Path ociDir, String tag) {
    return copy("docker://" + ref, "oci:" + ociDir + ":" + tag);
  }

  /** {@code skopeo inspect --raw docker://REF}: the manifest, or the error. */
  public Exec.Result inspectRaw(String ref) {
    return run(cmd("inspect", "--authfile", authFile.toString(), "--cert-dir", certDir.toString(),
        "--tls-verify=true", "--raw", "docker://" + ref), Set.of());
  }

  private Exec.Result copy(String src, String dest) {
    var args = new ArrayList<>(List.of("copy", "--authfile", authFile.toString()));
    for (String side : List.of("src-", "dest-")) {
      args.addAll(List.of("--" + side + "cert-dir", certDir.toString(),
          "--" + side + "tls-verify=true"));
    }
    args.add(src);
    args.add(dest);
    return run(cmd(args.toArray(String[]::new)), Set.of());
  }

  private List<String> cmd(String... sub) {
    var cmd = new ArrayList<>(List.of(BINARY.toString(), "--policy", policy.toString(),
        "--registries-conf", registriesConf.toString(), "--tmpdir", tmp.toString()));
    cmd.addAll(List.of(sub));
    return cmd;
  }

  private Exec.Result run(List<String> cmd, Set<String> secrets) {
    return Exec.run(cmd, TIMEOUT, secrets, this::isolate);
  }

  private void isolate(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("CONTAINERS_") || k.startsWith("REGISTRY_AUTH")
        || k.startsWith("XDG_") || k.equals("DOCKER_CONFIG") || k.toLowerCase().endsWith("_proxy"));
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("XDG_RUNTIME_DIR", home.resolve("run").toString());
    env.put("DOCKER_CONFIG", home.resolve(".docker").toString());
    env.put("REGISTRY_AUTH_FILE", authFile.toString());
    env.put("TMPDIR", tmp.toString());
    env.put("HTTPS_PROXY", proxy);
    env.put("HTTP_PROXY", proxy);
    // the proxy is cluster DNS; the pod network is routed (a redirect to the node's S3 relay)
    env.put("NO_PROXY", dev.portcullis.operator.testsupport.cri.CriRuntime.POD_NETWORK);
  }

  /** Fails in CI (CI=true) if a client is missing; elsewhere skips with the package to install. */
  public static String requireTool(Path binary, String debianPackage) {
    if (Files.isExecutable(binary)) {
      return binary.toString();
    }
    String why = binary + " is missing: apt-get install " + debianPackage;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail(why + " (CI=true, so this is a failure, not a skip)");
    }
    Assumptions.abort(why);
    return null;
  }

  /**
   * Makes a small image with the project's {@link RandomImageLayout} (gzip layers, tagged
   * {@code latest}); returns its manifest digest.
   */
  public static String makeImage(Path dir, int layers, double mb, long seed) {
    try {
      return RandomImageLayout.write(dir, layers, mb, seed, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a test image into " + dir, e);
    }
  }

  /** The layer digests of a one-image OCI layout's manifest. */
  public static List<String> layoutLayers(Path dir) {
    String digest = layoutDigest(dir);
    try {
      var manifest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir
          .resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()))
          .toFile());
      var layers = new ArrayList<String>();
      manifest.path("layers").forEach(l -> layers.add(l.path("digest").asText()));
      return layers;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The manifest digest of a one-image OCI layout (index.json's only entry). */
  public static String layoutDigest(Path dir) {
    try {
      var index = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(dir.resolve("index.json").toFile());
      return index.path("manifests").get(0).path("digest").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
