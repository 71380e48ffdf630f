package dev.portcullis.registry.authserver;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.util.ssl.SSLUtil;
import dev.portcullis.registry.testsupport.TestPki;

import javax.net.ssl.KeyManagerFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;

/**
 * A real LDAP directory for the tests: UnboundID's in-memory directory server (the same LDAPv3 protocol as slapd,
 * started in-process, nothing to install), with a plain listener, an LDAPS one and a StartTLS one whose certificate
 * comes from the test CA. People under {@code ou=people,dc=example,dc=org} with {@code memberOf}, a service account
 * {@code cn=reader,dc=example,dc=org} (password in {@link #bindPasswordFile}), and two entries for {@code twin}.
 */
final class TestDirectory implements AutoCloseable {
    static final String BASE = "dc=example,dc=org";
    static final String READER_DN = "cn=reader," + BASE;
    static final String READER_PASSWORD = "reader-secret";

    final InMemoryDirectoryServer server;
    final Path bindPasswordFile;
    final TestPki pki;

    TestDirectory(Path dir) throws Exception {
        this(dir, 0);
    }

    /** {@code ldapsPort}: a fixed port for the LDAPS listener (0: any), so a test can stop and restart it. */
    TestDirectory(Path dir, int ldapsPort) throws Exception {
        this(dir, ldapsPort, true);
    }

    /** {@code namesTheHost}: false gives the listeners a certificate from the same CA without 127.0.0.1 in it. */
    TestDirectory(Path dir, int ldapsPort, boolean namesTheHost) throws Exception {
        pki = new TestPki(dir.resolve("ldap-pki"), "ldap-ca");
        TestPki.Issued cert = namesTheHost ? pki.server(dir.resolve("ldap-pki"), "ldap")
                : pki.issue(dir.resolve("ldap-pki"), "ldap.elsewhere.example", TestPki.Alg.EC,
                        TestPki.Purpose.CERT_MANAGER_DEFAULT, java.time.Instant.now().plus(java.time.Duration.ofDays(1)));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("ldap", cert.keyPair().getPrivate(), new char[0], new Certificate[] {cert.certificate(), pki.caCert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLUtil serverSsl = new SSLUtil(kmf.getKeyManagers()[0], null);

        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(BASE);
        // memberOf is an operational attribute of real servers (slapd's memberof overlay, AD): written by hand here.
        config.setSchema(null);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        config.setListenerConfigs(
                InMemoryListenerConfig.createLDAPConfig("ldap", loopback, 0, null),
                InMemoryListenerConfig.createLDAPSConfig("ldaps", loopback, ldapsPort, serverSsl.createSSLServerSocketFactory(), null),
                InMemoryListenerConfig.createLDAPConfig("starttls", loopback, 0, serverSsl.createSSLSocketFactory()));
        server = new InMemoryDirectoryServer(config);
        server.add("dn: " + BASE, "objectClass: top", "objectClass: domain", "dc: example");
        server.add("dn: ou=people," + BASE, "objectClass: organizationalUnit", "ou: people");
        server.add("dn: ou=groups," + BASE, "objectClass: organizationalUnit", "ou: groups");
        server.add("dn: " + READER_DN, "objectClass: person", "cn: reader", "sn: reader", "userPassword: " + READER_PASSWORD);
        person("alice", "alice-ldap-pw", "Admins", "Developers");
        person("bob", "bob-ldap-pw", "Developers");
        person("carol", "carol-ldap-pw");
        server.add("dn: uid=twin,ou=people," + BASE, "objectClass: inetOrgPerson", "uid: twin", "cn: twin", "sn: one",
                "userPassword: twin-pw");
        server.add("dn: cn=twin,ou=groups," + BASE, "objectClass: inetOrgPerson", "uid: twin", "cn: twin", "sn: two",
                "userPassword: twin-pw");
        server.startListening();
        bindPasswordFile = dir.resolve("ldap-bind-password");
        Files.writeString(bindPasswordFile, READER_PASSWORD + "\n");
    }

    /** An inetOrgPerson with {@code memberOf} one DN per group. */
    void person(String uid, String password, String... groups) throws Exception {
        String[] lines = new String[6 + groups.length];
        lines[0] = "dn: uid=" + uid + ",ou=people," + BASE;
        lines[1] = "objectClass: inetOrgPerson";
        lines[2] = "uid: " + uid;
        lines[3] = "cn: " + uid;
        lines[4] = "sn: " + uid;
        lines[5] = "userPassword: " + password;
        for (int i = 0; i < groups.length; i++) {
            lines[6 + i] = "memberOf: cn=" + groups[i] + ",ou=groups," + BASE;
        }
        server.add(lines);
    }

    int port(String listener) {
        return server.getListenPort(listener);
    }

    /** An {@code ldap_auth} section (docker_auth's keys) for a listener: ldap (tls none), ldaps (always), starttls. */
    String section(String listener, Path ca) {
        String tls = switch (listener) {
            case "ldaps" -> "always";
            case "starttls" -> "starttls";
            default -> "none";
        };
        return """
                ldap_auth:
                  addr: "127.0.0.1:%d"
                  tls: %s
                %s  bind_dn: "%s"
                  bind_password_file: "%s"
                  base: "%s"
                  filter: "(&(uid=${account})(objectClass=inetOrgPerson))"
                  timeout: 2s
                  labels:
                    groups:
                      attribute: memberOf
                      parse_cn: true
                      lower_case: true
                """.formatted(port(listener), tls, ca == null ? "" : "  ca_certificate: \"" + ca + "\"\n", READER_DN,
                bindPasswordFile, BASE);
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
