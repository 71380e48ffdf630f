package dev.portcullis.registry.authserver;

import dev.portcullis.registry.testsupport.TestPki;
import org.mindrot.jbcrypt.BCrypt;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test helpers around an in-process auth-server: a PKI, users with bcrypt hashes, a config written to disk,
 * and an HTTP client that trusts the test CA.
 */
final class IssuerFixture {
    static final String SERVICE = "portcullis-test";
    static final String ISSUER = "portcullis-test-issuer";
    /** Cost 4: the lowest bcrypt allows, so tests stay fast; the code path is the same. */
    static final int TEST_COST = 4;

    private IssuerFixture() {
    }

    static String hash(String password) {
        // htpasswd -B writes $2y$: use it to prove the prefix is accepted.
        return "$2y$" + BCrypt.hashpw(password, BCrypt.gensalt(TEST_COST)).substring(4);
    }

    /** The standard users and ACL of these tests, as YAML (docker_auth format). */
    static String usersAndAcl() {
        return """
                users:
                  alice:
                    password: "%s"
                  bob:
                    password: "%s"
                  puller:
                    password: "%s"
                  "": {}
                acl:
                  - match: {account: "/.+/", name: "${account}/*"}
                    actions: ["*"]
                    comment: "every user owns their namespace"
                  - match: {account: "puller"}
                    actions: ["pull"]
                    comment: "pull-only user"
                  - match: {account: "", name: "public/*"}
                    actions: ["pull"]
                """.formatted(hash("alice-pw"), hash("bob-pw"), hash("puller-pw"));
    }

    static SSLContext trusting(Path caFile) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (var c : dev.portcullis.registry.auth.token.PemFiles.readCertificates(caFile)) {
            ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    static HttpClient client(Path caFile) throws Exception {
        return HttpClient.newBuilder().sslContext(trusting(caFile)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    static HttpResponse<String> get(HttpClient http, String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpClient http, String url, Map<String, String> fields) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(fields))).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** Writes a config for a TLS auth-server on a free loopback port; {@code extraToken} is appended under token:. */
    static Path writeConfig(Path dir, TestPki.Issued tls, TestPki.Issued signing, String extraToken, String rest) throws Exception {
        Files.createDirectories(dir);
        String yaml = """
                server:
                  addr: "127.0.0.1:0"
                  certificate: "%s"
                  key: "%s"
                  reload_interval: 200ms
                token:
                  issuer: "%s"
                  service: "%s"
                  expiration: 300
                  certificate: "%s"
                  key: "%s"
                %s
                %s
                """.formatted(tls.cert(), tls.key(), ISSUER, SERVICE, signing.cert(), signing.key(),
                extraToken == null ? "" : extraToken.indent(2).stripTrailing(), rest);
        Path config = dir.resolve("auth.yml");
        Files.writeString(config, yaml);
        return config;
    }
}
