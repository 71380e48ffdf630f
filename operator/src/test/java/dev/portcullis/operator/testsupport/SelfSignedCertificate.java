package dev.portcullis.operator.testsupport;

import dev.portcullis.operator.testsupport.clients.Exec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A server certificate of a test's helper (an upstream registry, an OpenID provider), self-signed
 * by openssl: what its clients trust is the certificate itself. It names localhost, 127.0.0.1 and
 * every address given, so that pods, which reach a helper of the host through the node's address
 * ({@code CriRuntime.gateway()}), verify it as well as the test does.
 */
public record SelfSignedCertificate(Path certificate, Path key) {

  /** tls.crt and tls.key in {@code dir}, naming {@code commonName}'s host and {@code addresses}. */
  public static SelfSignedCertificate create(Path dir, String commonName,
      List<InetAddress> addresses) throws IOException {
    Files.createDirectories(dir);
    var cert = new SelfSignedCertificate(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    Exec.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=" + commonName,
        "-addext", "subjectAltName=" + subjectAltNames(List.of("localhost"), addresses),
        "-keyout", cert.key.toString(), "-out", cert.certificate.toString()),
        Duration.ofSeconds(30), Set.of(), env -> { }).orThrow();
    return cert;
  }

  /** openssl's subjectAltName value: the DNS names, 127.0.0.1 and {@code addresses}. */
  public static String subjectAltNames(List<String> dnsNames, List<InetAddress> addresses) {
    var names = new ArrayList<String>();
    dnsNames.forEach(n -> names.add("DNS:" + n));
    names.add("IP:127.0.0.1");
    addresses.forEach(a -> names.add("IP:" + a.getHostAddress()));
    return String.join(",", names);
  }

  public String pem() throws IOException {
    return Files.readString(certificate);
  }

  /** The key and certificate as a PKCS#12 keystore protected by {@code password}. */
  public Path pkcs12(String password) throws IOException {
    Path p12 = certificate.resolveSibling("tls.p12");
    Exec.run(List.of("openssl", "pkcs12", "-export", "-in", certificate.toString(), "-inkey",
        key.toString(), "-out", p12.toString(), "-passout", "pass:" + password),
        Duration.ofSeconds(30), Set.of(), env -> { }).orThrow();
    return p12;
  }
}
