package dev.portcullis.operator.testsupport;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.util.ssl.SSLUtil;
import dev.portcullis.operator.testsupport.clients.Exec;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;

/**
 * A company directory for the tests: UnboundID's in-memory LDAP server (the LDAPv3 protocol as
 * slapd speaks it, nothing to install) listening for LDAPS only on 127.0.0.1, with a certificate
 * from a CA of its own made by openssl ({@link #caPem()} is what a user puts in the CA Secret).
 * Entries are added with {@link #add}; {@code memberOf} is written by hand, as slapd's memberof
 * overlay or Active Directory would maintain it.
 */
public final class LdapsDirectory implements AutoCloseable {

  private final InMemoryDirectoryServer server;
  private final String caPem;

  /** A directory for {@code base} (e.g. dc=example,dc=com), its certificate naming {@code host}. */
  public LdapsDirectory(Path dir, String base, String host) throws Exception {
    this(dir, base, host, List.of());
  }

  /**
   * As {@link #LdapsDirectory(Path, String, String)}, its certificate also naming
   * {@code addresses} (where pods reach it through a relay).
   */
  public LdapsDirectory(Path dir, String base, String host, List<InetAddress> addresses)
      throws Exception {
    Files.createDirectories(dir);
    Path ext = dir.resolve("ldap.ext");
    Files.writeString(ext, "subjectAltName="
        + SelfSignedCertificate.subjectAltNames(List.of(host), addresses) + "\n"
        + "extendedKeyUsage=serverAuth\n");
    String p12Password = "test-only";
    List<List<String>> steps = List.of(
        List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=directory test CA",
            "-days", "1", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        List.of("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "ldap.key", "-out", "ldap.csr", "-subj", "/CN=" + host),
        List.of("openssl", "x509", "-req", "-in", "ldap.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "ldap.crt", "-days", "1", "-extfile", ext.toString()),
        List.of("openssl", "pkcs12", "-export", "-in", "ldap.crt", "-inkey", "ldap.key",
            "-certfile", "ca.crt", "-out", "ldap.p12", "-passout", "pass:" + p12Password));
    for (List<String> step : steps) {
      var cmd = new ArrayList<>(step);
      // openssl writes relative to the working directory: run it in dir
      cmd.addAll(0, List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", dir.toString()));
      Exec.run(cmd, Duration.ofSeconds(30), Set.of(), env -> { }).orThrow();
    }
    caPem = Files.readString(dir.resolve("ca.crt"));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("ldap.p12"))) {
      ks.load(in, p12Password.toCharArray());
    }
    var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, p12Password.toCharArray());
    var ssl = new SSLUtil(kmf.getKeyManagers(), null);
    var config = new InMemoryDirectoryServerConfig(base);
    config.setSchema(null); // memberOf is operational on real servers; here it is plain data
    config.setListenerConfigs(InMemoryListenerConfig.createLDAPSConfig("ldaps",
        InetAddress.getLoopbackAddress(), 0, ssl.createSSLServerSocketFactory(), null));
    server = new InMemoryDirectoryServer(config);
    server.startListening();
  }

  /** Adds an entry given as LDIF lines ("dn: ...", "objectClass: ...", ...). */
  public void add(String... ldif) throws Exception {
    server.add(ldif);
  }

  public int port() {
    return server.getListenPort("ldaps");
  }

  /** The PEM certificate of the CA that signed the directory's certificate. */
  public String caPem() {
    return caPem;
  }

  @Override
  public void close() {
    server.shutDown(true);
  }
}
