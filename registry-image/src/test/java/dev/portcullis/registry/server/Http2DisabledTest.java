package dev.portcullis.registry.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.registry.testsupport.RunningRegistry;
import dev.portcullis.registry.testsupport.TestPki;
import dev.portcullis.registry.testsupport.TlsContexts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distribution's {@code http.http2.disabled}: a client that prefers HTTP/2 gets it over TLS by default, and HTTP/1.1
 * once it is set, in ALPN and after a reload. On plain HTTP, Distribution 3's {@code http.h2c.enabled}: no h2c upgrade
 * unless it is set (Distribution 2.8 never offered one), and none with HTTP/2 disabled.
 */
class Http2DisabledTest {
    @TempDir
    Path dir;

    private RunningRegistry start(String tlsYaml, Map<String, String> env) throws Exception {
        return RunningRegistry.startYaml("""
                version: 0.1
                log:
                  level: warn
                storage:
                  inmemory: {}
                http:
                  addr: 127.0.0.1:0
                  warmup:
                    disabled: true
                """ + tlsYaml, dir, env);
    }

    private static HttpClient.Version negotiated(String url, SSLContext ssl) throws Exception {
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2);
        if (ssl != null) {
            client.sslContext(ssl);
        }
        HttpResponse<String> r = client.build().send(HttpRequest.newBuilder(URI.create(url + "/v2/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.version();
    }

    /** What the server picks from a client offering h2 and http/1.1 in the TLS handshake. */
    private static String alpn(SSLContext ssl, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            var params = s.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            s.setSSLParameters(params);
            s.startHandshake();
            return s.getApplicationProtocol();
        }
    }

    private static java.security.cert.Certificate served(SSLContext ssl, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void overTlsAlpnOffersOnlyHttp11WhenDisabledByTheEnvironment() throws Exception {
        TestPki pki = new TestPki(dir, "h2-ca");
        TestPki.Issued cert = pki.server(dir, "server");
        String tls = """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(cert.cert(), cert.key());
        SSLContext ssl = TlsContexts.trusting(pki.caFile());
        try (RunningRegistry registry = start(tls, Map.of())) {
            assertEquals("h2", alpn(ssl, registry.port()), "HTTP/2 is on by default, as in Distribution");
            assertEquals(HttpClient.Version.HTTP_2, negotiated("https://" + registry.hostPort(), ssl));
        }
        try (RunningRegistry registry = start(tls, Map.of("REGISTRY_HTTP_HTTP2_DISABLED", "true"))) {
            assertEquals("http/1.1", alpn(ssl, registry.port()));
            assertEquals(HttpClient.Version.HTTP_1_1, negotiated("https://" + registry.hostPort(), ssl));

            // A renewed certificate is served with new TLS options: they must not bring h2 back.
            TestPki.Issued renewed = pki.server(dir, "renewed");
            Files.copy(renewed.key(), cert.key(), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.cert(), cert.cert(), StandardCopyOption.REPLACE_EXISTING);
            Instant deadline = Instant.now().plusSeconds(30);
            while (!served(ssl, registry.port()).equals(renewed.certificate()) && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
            }
            assertEquals(renewed.certificate(), served(ssl, registry.port()), "the renewal was picked up");
            assertEquals("http/1.1", alpn(ssl, registry.port()), "after the reload too");
        }
    }

    @Test
    void onPlainHttpH2cIsOffUnlessEnabled() throws Exception {
        try (RunningRegistry registry = start("", Map.of())) {
            assertEquals(HttpClient.Version.HTTP_1_1, negotiated(registry.url(), null), "no h2c by default");
        }
        try (RunningRegistry registry = start("  h2c:\n    enabled: true\n", Map.of())) {
            assertEquals(HttpClient.Version.HTTP_2, negotiated(registry.url(), null));
        }
        try (RunningRegistry registry = start("", Map.of("REGISTRY_HTTP_H2C_ENABLED", "true"))) {
            assertEquals(HttpClient.Version.HTTP_2, negotiated(registry.url(), null), "from the environment too");
        }
    }

    @Test
    void onPlainHttpThereIsNoH2cUpgradeWhenDisabled() throws Exception {
        try (RunningRegistry registry = start("  h2c:\n    enabled: true\n  http2:\n    disabled: true\n", Map.of())) {
            assertEquals(HttpClient.Version.HTTP_1_1, negotiated(registry.url(), null));
        }
    }
}
